/**
 * The objects GraphQL resolves against: views of the data set in GitHub's GraphQL shapes, built
 * per request (connection fields are methods taking their arguments, which graphql-js calls).
 * Sorted lists are kept per data revision, as a client pages through 10,000 pull requests.
 */
import { GraphQLError } from 'graphql';
import type { Dataset } from '../../dataset/dataset.ts';
import { compareText } from '../../dataset/people.ts';
import type {
  GitHubDeployment,
  GitHubDeploymentStatus,
  GitHubIssue,
  GitHubPullRequest,
  GitHubRepo,
} from '../../dataset/types.ts';
import { ascending, connection, descending, type PageArgs } from './connection.ts';

/** What `rateLimit` answers for this request. */
export interface RateLimitView {
  cost: number;
  limit: number;
  nodeCount: number;
  remaining: number;
  resetAt: string;
  used: number;
}

type Order = { field: string; direction: 'ASC' | 'DESC' } | null | undefined;

const upper = (s: string) => s.toUpperCase();
const pullState = (p: GitHubPullRequest) => (p.merged_at ? 'MERGED' : upper(p.state));

const DEPLOYMENT_STATE: Record<string, string> = {
  success: 'ACTIVE',
  inactive: 'INACTIVE',
  failure: 'FAILURE',
  error: 'ERROR',
  in_progress: 'IN_PROGRESS',
  queued: 'QUEUED',
  pending: 'PENDING',
};

/** Lists sorted once per data revision. */
export class SortedLists {
  #revision = -1;
  readonly #lists = new Map<string, unknown[]>();

  constructor(private readonly dataset: Dataset) {}

  get<T>(key: string, build: () => T[]): T[] {
    if (this.#revision !== this.dataset.revision) {
      this.#lists.clear();
      this.#revision = this.dataset.revision;
    }
    let list = this.#lists.get(key) as T[] | undefined;
    if (!list) {
      list = build();
      this.#lists.set(key, list);
    }
    return list;
  }
}

function timeKey(order: Order, item: { created_at: string; updated_at: string }, tie: number): string {
  const time = order?.field === 'UPDATED_AT' ? item.updated_at : item.created_at;
  return (order?.direction ?? 'ASC') === 'DESC' ? descending(time, tie) : ascending(time, tie);
}

function sortByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, key: key(item) }))
    .sort((a, b) => compareText(a.key, b.key))
    .map((x) => x.item);
}

const labelsOf = (labels: { name: string }[]) => (args: PageArgs) =>
  connection(
    'labels',
    labels,
    args,
    (l) => l.name,
    (l) => ({ name: l.name }),
  );

function pullNode(repo: GitHubRepo, pull: GitHubPullRequest) {
  const size = repo.sizes[String(pull.number)] ?? { additions: 0, deletions: 0, changed_files: 0 };
  const commits = repo.commits[String(pull.number)] ?? [];
  return {
    number: pull.number,
    title: pull.title,
    state: pullState(pull),
    isDraft: pull.draft,
    createdAt: pull.created_at,
    updatedAt: pull.updated_at,
    closedAt: pull.closed_at,
    mergedAt: pull.merged_at,
    url: pull.html_url,
    author: { login: pull.user.login },
    additions: size.additions,
    deletions: size.deletions,
    changedFiles: size.changed_files,
    headRefOid: pull.head.sha,
    mergeCommit: pull.merge_commit_sha
      ? { oid: pull.merge_commit_sha, authoredDate: pull.merged_at, committedDate: pull.merged_at }
      : null,
    labels: labelsOf(pull.labels),
    reviews: (args: PageArgs & { states?: string[] | null }) =>
      connection(
        'reviews',
        (repo.reviews[String(pull.number)] ?? []).filter((r) => !args.states || args.states.includes(r.state)),
        args,
        (r) => ascending(r.submitted_at, r.id),
        (r) => ({ state: r.state, submittedAt: r.submitted_at, author: { login: r.user.login } }),
      ),
    commits: (args: PageArgs) =>
      connection(
        'commits',
        commits.map((c, i) => ({ ...c, i })),
        args,
        (c) => String(c.i).padStart(6, '0'),
        (c) => ({ commit: { oid: c.sha, authoredDate: c.authored_at, committedDate: c.committed_at } }),
      ),
  };
}

function statusNode(s: GitHubDeploymentStatus) {
  return { state: upper(s.state), createdAt: s.created_at, updatedAt: s.updated_at };
}

function deploymentNode(repo: GitHubRepo, deployment: GitHubDeployment) {
  // Newest first, as GitHub lists them.
  const statuses = [...(repo.deploymentStatuses[String(deployment.id)] ?? [])].sort(
    (a, b) => compareText(b.created_at, a.created_at) || b.id - a.id,
  );
  const latest = statuses[0];
  return {
    databaseId: deployment.id,
    environment: deployment.environment,
    createdAt: deployment.created_at,
    updatedAt: deployment.updated_at,
    commitOid: deployment.sha,
    state: latest ? (DEPLOYMENT_STATE[latest.state] ?? 'PENDING') : 'PENDING',
    latestStatus: latest ? statusNode(latest) : null,
    statuses: (args: PageArgs) =>
      connection('statuses', statuses, args, (s) => descending(s.created_at, s.id), statusNode),
  };
}

function issueNode(issue: GitHubIssue) {
  return {
    number: issue.number,
    title: issue.title,
    state: upper(issue.state),
    createdAt: issue.created_at,
    updatedAt: issue.updated_at,
    closedAt: issue.closed_at,
    url: issue.html_url,
    labels: labelsOf(issue.labels),
  };
}

function repositoryNode(repo: GitHubRepo, lists: SortedLists) {
  const name = `${repo.owner}/${repo.name}`;
  return {
    name: repo.name,
    owner: { login: repo.owner },
    pullRequests: (args: PageArgs & { states?: string[] | null; labels?: string[] | null; orderBy?: Order }) => {
      const states = args.states ?? null;
      const sorted = lists.get(`pulls|${name}|${args.orderBy?.field}|${args.orderBy?.direction}|${states}`, () =>
        sortByKey(
          repo.pullRequests.filter((p) => states === null || states.includes(pullState(p))),
          (p) => timeKey(args.orderBy, p, p.number),
        ),
      );
      const labelled = args.labels ? sorted.filter((p) => p.labels.some((l) => args.labels!.includes(l.name))) : sorted;
      return connection(
        'pullRequests',
        labelled,
        args,
        (p) => timeKey(args.orderBy, p, p.number),
        (p) => pullNode(repo, p),
      );
    },
    pullRequest: ({ number }: { number: number }) => {
      const pull = repo.pullRequests.find((p) => p.number === number);
      return pull ? pullNode(repo, pull) : null;
    },
    deployments: (args: PageArgs & { environments?: string[] | null; orderBy?: Order }) => {
      const environments = args.environments ?? null;
      const sorted = lists.get(`deployments|${name}|${args.orderBy?.direction}|${environments}`, () =>
        sortByKey(
          repo.deployments.filter((d) => environments === null || environments.includes(d.environment)),
          (d) => timeKey(args.orderBy, d, d.id),
        ),
      );
      return connection(
        'deployments',
        sorted,
        args,
        (d) => timeKey(args.orderBy, d, d.id),
        (d) => deploymentNode(repo, d),
      );
    },
    issues: (
      args: PageArgs & {
        labels?: string[] | null;
        states?: string[] | null;
        filterBy?: { since?: string | null } | null;
        orderBy?: Order;
      },
    ) => {
      const since = args.filterBy?.since ? Date.parse(args.filterBy.since) : undefined;
      const matching = repo.issues.filter(
        (i) =>
          (!args.labels || i.labels.some((l) => args.labels!.includes(l.name))) &&
          (!args.states || args.states.includes(upper(i.state))) &&
          (since === undefined || Date.parse(i.updated_at) >= since),
      );
      const sorted = sortByKey(matching, (i) => timeKey(args.orderBy, i, i.number));
      return connection('issues', sorted, args, (i) => timeKey(args.orderBy, i, i.number), issueNode);
    },
  };
}

/** The root value of one request. */
export function rootValue(dataset: Dataset, lists: SortedLists, rateLimit: RateLimitView) {
  return {
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repo = dataset.repo(owner, name);
      if (!repo) {
        throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, {
          extensions: { type: 'NOT_FOUND' },
        });
      }
      return repositoryNode(repo, lists);
    },
    rateLimit: () => rateLimit,
  };
}
