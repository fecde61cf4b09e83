/**
 * The data a simulator serves, and the ways a test changes it ("an upstream change"). Responses
 * are computed from this on every request, so any change shows at once — and, since ETags hash
 * the body, changes the ETag of every listing that includes the changed record.
 */

import { asOf } from './as-of.ts';
import { mergeShaOf } from './details.ts';
import { fixedData } from './fixed.ts';
import { type DatasetSize, generateData } from './generate.ts';
import { compareText, fakeSha, githubTime, githubUser, HOUR, isoTime, jiraUser } from './people.ts';
import type {
  GitHubDeployment,
  GitHubDeploymentState,
  GitHubDeploymentStatus,
  GitHubIssue,
  GitHubPullRequest,
  GitHubPullSize,
  GitHubRepo,
  GitHubReview,
  JiraIssue,
  JiraStatusName,
  SimulatorData,
} from './types.ts';

/** A new pull request; anything left out gets a plausible value (never from the wall clock). */
export interface NewPullRequest {
  title?: string;
  /** Author login. @default 'alice' */
  user?: string;
  /** @default one hour after the newest pull request or issue of the repository */
  created_at?: string;
  /** Merged (and so closed) at this time. */
  merged_at?: string | null;
  /** Closed without merging at this time (ignored when `merged_at` is set). */
  closed_at?: string | null;
  requested_reviewers?: string[];
  draft?: boolean;
  reviews?: { user: string; state: GitHubReview['state']; submitted_at: string }[];
  /** When coding started. @default one hour before `created_at` */
  first_commit_at?: string;
  labels?: string[];
  /** @default 10 lines added, 2 removed, 1 file */
  size?: Partial<GitHubPullSize>;
}

/** A new issue. */
export interface NewIssue {
  title?: string;
  user?: string;
  created_at?: string;
  closed_at?: string | null;
  labels?: string[];
}

/** A new deployment and its statuses, oldest first. */
export interface NewDeployment {
  environment?: string;
  created_at?: string;
  ref?: string;
  /** The commit deployed. @default the newest merge commit made before `created_at` */
  sha?: string;
  statuses?: { state: GitHubDeploymentState; created_at: string }[];
}

/** A new Jira issue in an existing project. */
export interface NewJiraIssue {
  projectKey: string;
  summary?: string;
  issueType?: JiraIssue['issueType'];
  storyPoints?: number | null;
  sprintIds?: number[];
  /** @default one hour after the project's newest issue */
  created?: string;
}

/** Which data to serve. */
export type DatasetSpec = { kind: 'fixed' } | { kind: 'generated'; seed: number; size: DatasetSize };

/** The mutable data set behind one simulator. */
export class Dataset {
  /** The records. Read freely; change them through the methods below so `revision` moves. */
  data: SimulatorData;
  /** Increases on every change; handy in assertions and logs. */
  revision = 0;
  private readonly spec: DatasetSpec;
  private readonly now: (() => number) | undefined;

  /** With `now`, the data is cut back to that instant: nothing after it is served. */
  constructor(spec: DatasetSpec, now?: () => number) {
    this.spec = spec;
    this.now = now;
    this.data = this.build();
  }

  private build(): SimulatorData {
    const data = this.spec.kind === 'fixed' ? fixedData() : generateData(this.spec.seed, this.spec.size);
    if (this.now) asOf(data, this.now());
    return data;
  }

  /** Throws away every change and rebuilds the original data (same seed, same records). */
  restore(): void {
    this.data = this.build();
    this.revision++;
  }

  /** The repository, or undefined. */
  repo(owner: string, name: string): GitHubRepo | undefined {
    return this.data.github.repos.find((r) => r.owner === owner && r.name === name);
  }

  /** The Jira issue with this key or id, or undefined. */
  jiraIssue(keyOrId: string): JiraIssue | undefined {
    return this.data.jira.issues.find((i) => i.key === keyOrId || i.id === keyOrId);
  }

  /** Any change to the raw data, in one step: `dataset.mutate((d) => { d.github.repos[0]!.name = 'x'; })`. */
  mutate(change: (data: SimulatorData) => void): void {
    change(this.data);
    this.revision++;
  }

  /** Adds a pull request (with optional reviews) to a repository and returns it. */
  addPullRequest(owner: string, name: string, input: NewPullRequest = {}): GitHubPullRequest {
    const repo = this.requireRepo(owner, name);
    const number = nextNumber(repo);
    const created = input.created_at ?? githubTime(latestInRepo(repo) + HOUR);
    const merged = input.merged_at ?? null;
    const closed = merged ?? input.closed_at ?? null;
    const sha = fakeSha(`${owner}/${name}#${number}`);
    const reviews = (input.reviews ?? []).map(
      (r, i): GitHubReview => ({
        id: maxId(Object.values(repo.reviews).flat()) + 1 + i,
        user: githubUser(r.user),
        state: r.state,
        body: '',
        submitted_at: r.submitted_at,
        commit_id: sha,
      }),
    );
    const times = [created, closed, ...reviews.map((r) => r.submitted_at)].filter((t): t is string => t !== null);
    const pull: GitHubPullRequest = {
      id: maxId(this.data.github.repos.flatMap((r) => r.pullRequests)) + 1,
      number,
      state: closed ? 'closed' : 'open',
      title: input.title ?? `Change ${number}`,
      user: githubUser(input.user ?? 'alice'),
      draft: input.draft ?? false,
      created_at: created,
      updated_at: times.sort().at(-1)!,
      closed_at: closed,
      merged_at: merged,
      requested_reviewers: (input.requested_reviewers ?? []).map(githubUser),
      html_url: `https://github.com/${owner}/${name}/pull/${number}`,
      head: { ref: `feature/${number}`, sha },
      base: { ref: 'main' },
      merge_commit_sha: merged ? mergeShaOf(owner, name, number) : null,
      labels: (input.labels ?? []).map((label) => ({ name: label })),
    };
    const firstCommit = input.first_commit_at ?? githubTime(Date.parse(created) - HOUR);
    repo.pullRequests.push(pull);
    repo.reviews[String(number)] = reviews;
    repo.commits[String(number)] = [{ sha, authored_at: firstCommit, committed_at: firstCommit }];
    repo.sizes[String(number)] = { additions: 10, deletions: 2, changed_files: 1, ...input.size };
    this.revision++;
    return pull;
  }

  /** Adds a review to a pull request at `submitted_at`. */
  addReview(
    owner: string,
    name: string,
    number: number,
    review: { user: string; state: GitHubReview['state']; submitted_at: string },
  ): GitHubReview {
    const repo = this.requireRepo(owner, name);
    const pull = this.requirePull(repo, number);
    const added: GitHubReview = {
      id: maxId(Object.values(repo.reviews).flat()) + 1,
      user: githubUser(review.user),
      state: review.state,
      body: '',
      submitted_at: review.submitted_at,
      commit_id: pull.head.sha,
    };
    repo.reviews[String(number)] = [...(repo.reviews[String(number)] ?? []), added];
    pull.updated_at = later(pull.updated_at, review.submitted_at);
    this.revision++;
    return added;
  }

  /** Merges an open pull request at `at`, making its merge commit. */
  mergePullRequest(owner: string, name: string, number: number, at: string): GitHubPullRequest {
    const repo = this.requireRepo(owner, name);
    const pull = this.requirePull(repo, number);
    if (pull.state !== 'open') throw new RangeError(`pull request #${number} is not open`);
    Object.assign(pull, {
      state: 'closed',
      closed_at: at,
      merged_at: at,
      updated_at: later(pull.updated_at, at),
      merge_commit_sha: mergeShaOf(owner, name, number),
      requested_reviewers: [],
    });
    this.revision++;
    return pull;
  }

  /** Closes an issue (an incident is resolved) at `at`. */
  closeIssue(owner: string, name: string, number: number, at: string): GitHubIssue {
    const issue = this.requireRepo(owner, name).issues.find((i) => i.number === number);
    if (!issue) throw new RangeError(`no issue #${number} in ${owner}/${name}`);
    Object.assign(issue, { state: 'closed', closed_at: at, updated_at: later(issue.updated_at, at) });
    this.revision++;
    return issue;
  }

  /** Adds an issue to a repository and returns it. */
  addIssue(owner: string, name: string, input: NewIssue = {}): GitHubIssue {
    const repo = this.requireRepo(owner, name);
    const number = nextNumber(repo);
    const created = input.created_at ?? githubTime(latestInRepo(repo) + HOUR);
    const closed = input.closed_at ?? null;
    const issue: GitHubIssue = {
      id: maxId(this.data.github.repos.flatMap((r) => r.issues)) + 1,
      number,
      state: closed ? 'closed' : 'open',
      title: input.title ?? `Issue ${number}`,
      user: githubUser(input.user ?? 'alice'),
      labels: (input.labels ?? []).map((label) => ({ name: label })),
      created_at: created,
      updated_at: closed ?? created,
      closed_at: closed,
      html_url: `https://github.com/${owner}/${name}/issues/${number}`,
    };
    repo.issues.push(issue);
    this.revision++;
    return issue;
  }

  /** Adds a deployment (default: production, succeeded ten minutes after creation) and returns it. */
  addDeployment(owner: string, name: string, input: NewDeployment = {}): GitHubDeployment {
    const repo = this.requireRepo(owner, name);
    const id = maxId(this.data.github.repos.flatMap((r) => r.deployments)) + 1;
    const created = input.created_at ?? githubTime(latestDeployment(repo) + HOUR);
    const environment = input.environment ?? 'production';
    const creator = githubUser('erin');
    const shipped = repo.pullRequests
      .filter((p) => p.merge_commit_sha !== null && p.merged_at !== null && p.merged_at <= created)
      .sort((a, b) => compareText(a.merged_at!, b.merged_at!))
      .at(-1)?.merge_commit_sha;
    const deployment: GitHubDeployment = {
      id,
      sha: input.sha ?? shipped ?? fakeSha(`${owner}/${name}:deploy:${id}`),
      ref: input.ref ?? 'main',
      task: 'deploy',
      environment,
      description: `Deploy ${id}`,
      creator,
      created_at: created,
      updated_at: created,
    };
    const statusInputs = input.statuses ?? [
      { state: 'success' as const, created_at: githubTime(Date.parse(created) + 10 * 60_000) },
    ];
    let statusId = maxId(this.data.github.repos.flatMap((r) => Object.values(r.deploymentStatuses).flat()));
    const statuses = statusInputs.map(
      (s): GitHubDeploymentStatus => ({
        id: ++statusId,
        state: s.state,
        environment,
        description: '',
        creator,
        created_at: s.created_at,
        updated_at: s.created_at,
      }),
    );
    repo.deployments.push(deployment);
    repo.deploymentStatuses[String(id)] = statuses;
    this.revision++;
    return deployment;
  }

  /** Adds a Jira issue (status To Do) and returns it. */
  addJiraIssue(input: NewJiraIssue): JiraIssue {
    const project = this.data.jira.projects.find((p) => p.key === input.projectKey);
    if (!project) throw new RangeError(`no Jira project with key ${input.projectKey}`);
    const siblings = this.data.jira.issues.filter((i) => i.projectKey === project.key);
    const number = Math.max(0, ...siblings.map((i) => Number(i.key.split('-')[1]))) + 1;
    const newest = Math.max(0, ...siblings.map((i) => Date.parse(i.created)));
    const created = input.created ?? isoTime(newest + HOUR);
    const issue: JiraIssue = {
      id: String(Math.max(10000, ...this.data.jira.issues.map((i) => Number(i.id))) + 1),
      key: `${project.key}-${number}`,
      projectKey: project.key,
      summary: input.summary ?? `Issue ${number}`,
      issueType: input.issueType ?? 'Story',
      status: 'To Do',
      assignee: null,
      reporter: jiraUser('alice'),
      created,
      updated: created,
      resolutiondate: null,
      storyPoints: input.storyPoints ?? null,
      sprintIds: input.sprintIds ?? [],
      changelog: [],
    };
    this.data.jira.issues.push(issue);
    this.revision++;
    return issue;
  }

  /** Moves a Jira issue to another status at `at`, recording the change in its changelog. */
  transitionJiraIssue(key: string, to: JiraStatusName, at: string, by = 'alice'): JiraIssue {
    const issue = this.jiraIssue(key);
    if (!issue) throw new RangeError(`no Jira issue ${key}`);
    const nextId = Math.max(0, ...this.data.jira.issues.flatMap((i) => i.changelog.map((h) => Number(h.id)))) + 1;
    issue.changelog.push({ id: String(nextId), author: jiraUser(by), created: at, from: issue.status, to });
    issue.status = to;
    issue.updated = at;
    issue.resolutiondate = to === 'Done' ? at : null;
    if (to !== 'To Do' && !issue.assignee) issue.assignee = jiraUser(by);
    this.revision++;
    return issue;
  }

  private requirePull(repo: GitHubRepo, number: number): GitHubPullRequest {
    const pull = repo.pullRequests.find((p) => p.number === number);
    if (!pull) throw new RangeError(`no pull request #${number} in ${repo.owner}/${repo.name}`);
    return pull;
  }

  private requireRepo(owner: string, name: string): GitHubRepo {
    const repo = this.repo(owner, name);
    if (!repo) throw new RangeError(`no repository ${owner}/${name}`);
    return repo;
  }
}

const later = (a: string, b: string) => (compareText(a, b) >= 0 ? a : b);

function maxId(items: readonly { id: number }[]): number {
  return items.reduce((max, item) => Math.max(max, item.id), 0);
}

function nextNumber(repo: GitHubRepo): number {
  return Math.max(0, ...repo.pullRequests.map((p) => p.number), ...repo.issues.map((i) => i.number)) + 1;
}

function latestInRepo(repo: GitHubRepo): number {
  const times = [...repo.pullRequests, ...repo.issues].map((x) => Date.parse(x.created_at));
  return times.length > 0 ? Math.max(...times) : Date.parse('2024-01-01T00:00:00Z');
}

function latestDeployment(repo: GitHubRepo): number {
  const times = repo.deployments.map((d) => Date.parse(d.created_at));
  return times.length > 0 ? Math.max(...times) : Date.parse('2024-01-01T00:00:00Z');
}
