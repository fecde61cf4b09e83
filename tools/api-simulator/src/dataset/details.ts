/**
 * What a pull request carries besides its listing fields: its commits (the first one's time is
 * where coding started), its diff size, its labels and the merge commit; and which merge commit
 * each deployment shipped. Drawn from a stream of their own, so adding them left every other
 * generated record as it was.
 */
import type { Random } from '../random.ts';
import { compareText, fakeSha, githubTime } from './people.ts';
import type { GitHubPullRequest, GitHubRepo } from './types.ts';

const LABELS = ['feature', 'bug', 'chore', 'refactor'];
const MINUTE = 60_000;

/** The merge commit of a pull request. */
export const mergeShaOf = (owner: string, repo: string, number: number): string =>
  fakeSha(`${owner}/${repo}#${number}:merge`);

/** Gives one pull request commits (the last is its head), a size and labels. */
export function detailPull(random: Random, repo: GitHubRepo, pull: GitHubPullRequest): void {
  const created = Date.parse(pull.created_at);
  const count = random.int(1, 6);
  const first = created - random.int(10, 72 * 60) * MINUTE;
  const step = Math.max(1, Math.floor((created - first) / count));
  repo.commits[String(pull.number)] = Array.from({ length: count }, (_, i) => {
    const at = githubTime(first + i * step);
    const sha = i === count - 1 ? pull.head.sha : fakeSha(`${repo.owner}/${repo.name}#${pull.number}:${i}`);
    return { sha, authored_at: at, committed_at: at };
  });
  repo.sizes[String(pull.number)] = {
    additions: random.int(1, 800),
    deletions: random.int(0, 400),
    changed_files: random.int(1, 30),
  };
  if (random.chance(0.4)) pull.labels = [{ name: random.pick(LABELS) }];
  pull.merge_commit_sha = pull.merged_at ? mergeShaOf(repo.owner, repo.name, pull.number) : null;
}

/** Details every pull request, then points each deployment at the newest merge it shipped. */
export function detailRepo(random: Random, repo: GitHubRepo): void {
  for (const pull of repo.pullRequests) detailPull(random, repo, pull);
  linkDeployments(repo);
}

/**
 * The base branch is the sequence of merges in merge order: a deployment ships the newest merge
 * commit made before it was created (a deployment before any merge keeps its own sha).
 */
export function linkDeployments(repo: GitHubRepo): void {
  const merges = repo.pullRequests
    .filter((p) => p.merged_at !== null && p.merge_commit_sha !== null)
    .sort((a, b) => compareText(a.merged_at!, b.merged_at!));
  const deployments = [...repo.deployments].sort((a, b) => compareText(a.created_at, b.created_at));
  let next = 0;
  let head: string | undefined;
  for (const deployment of deployments) {
    while (next < merges.length && merges[next]!.merged_at! <= deployment.created_at) {
      head = merges[next]!.merge_commit_sha!;
      next++;
    }
    if (head !== undefined) deployment.sha = head;
  }
}
