/**
 * The simulator's data. GitHub records are stored in the shape the REST API returns (a subset of
 * the fields), so a response is a filter and a page of these. Jira records are stored flat and
 * turned into Jira's nested `fields` shape when answered (see `jira/format.ts`).
 * Every timestamp is an ISO-8601 UTC string.
 */

/** A GitHub account as it appears in `user`, `creator` and `requested_reviewers`. */
export interface GitHubUser {
  login: string;
  id: number;
  type: 'User';
}

/** `GET /repos/:owner/:repo/pulls` item. `state` is `closed` for merged pull requests too. */
export interface GitHubPullRequest {
  id: number;
  number: number;
  state: 'open' | 'closed';
  title: string;
  user: GitHubUser;
  draft: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  requested_reviewers: GitHubUser[];
  html_url: string;
  head: { ref: string; sha: string };
  base: { ref: string };
  /** The commit the merge made on the base branch (null until merged). */
  merge_commit_sha: string | null;
  labels: { name: string }[];
}

/** A commit of a pull request (`commits` in GraphQL), oldest first. */
export interface GitHubCommit {
  sha: string;
  authored_at: string;
  committed_at: string;
}

/** What GitHub computes of a pull request's diff. */
export interface GitHubPullSize {
  additions: number;
  deletions: number;
  changed_files: number;
}

/** `GET /repos/:owner/:repo/pulls/:n/reviews` item. */
export interface GitHubReview {
  id: number;
  user: GitHubUser;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';
  body: string;
  submitted_at: string;
  commit_id: string;
}

/** `GET /repos/:owner/:repo/issues` item (the simulator lists issues only, never pull requests). */
export interface GitHubIssue {
  id: number;
  number: number;
  state: 'open' | 'closed';
  title: string;
  user: GitHubUser;
  labels: { name: string }[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  html_url: string;
}

/** `GET /repos/:owner/:repo/deployments` item. */
export interface GitHubDeployment {
  id: number;
  sha: string;
  ref: string;
  task: 'deploy';
  environment: string;
  description: string;
  creator: GitHubUser;
  created_at: string;
  updated_at: string;
}

/** The states a deployment status can take in the simulator. */
export type GitHubDeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/** `GET /repos/:owner/:repo/deployments/:id/statuses` item. */
export interface GitHubDeploymentStatus {
  id: number;
  state: GitHubDeploymentState;
  environment: string;
  description: string;
  creator: GitHubUser;
  created_at: string;
  updated_at: string;
}

/** One repository and everything under it. Lists are kept in creation order (oldest first). */
export interface GitHubRepo {
  id: number;
  owner: string;
  name: string;
  pullRequests: GitHubPullRequest[];
  /** Reviews by pull request number (as a string key, so the data stays plain JSON). */
  reviews: Record<string, GitHubReview[]>;
  issues: GitHubIssue[];
  deployments: GitHubDeployment[];
  /** Statuses by deployment id, oldest first. */
  deploymentStatuses: Record<string, GitHubDeploymentStatus[]>;
  /** Commits by pull request number, oldest first. */
  commits: Record<string, GitHubCommit[]>;
  /** Diff sizes by pull request number. */
  sizes: Record<string, GitHubPullSize>;
}

/** The three workflow states of the simulated Jira projects. */
export type JiraStatusName = 'To Do' | 'In Progress' | 'Done';

/** A Jira account as it appears in `author`, `assignee`, `reporter`. */
export interface JiraUser {
  accountId: string;
  displayName: string;
  emailAddress: string;
}

/** A Jira project; each has exactly one scrum board. */
export interface JiraProject {
  id: string;
  key: string;
  name: string;
  boardId: number;
}

/** A sprint of a scrum board (`/rest/agile/1.0/board/:id/sprint` item). */
export interface JiraSprint {
  id: number;
  name: string;
  state: 'closed' | 'active' | 'future';
  originBoardId: number;
  goal: string;
  startDate: string | null;
  endDate: string | null;
  completeDate: string | null;
}

/** One status change in an issue's changelog. */
export interface JiraHistory {
  id: string;
  author: JiraUser;
  created: string;
  from: JiraStatusName;
  to: JiraStatusName;
}

/** A Jira issue, flat. `storyPoints` is answered as `customfield_10016`, sprints as `customfield_10020`. */
export interface JiraIssue {
  id: string;
  key: string;
  projectKey: string;
  summary: string;
  issueType: 'Story' | 'Bug' | 'Task';
  status: JiraStatusName;
  assignee: JiraUser | null;
  reporter: JiraUser;
  created: string;
  updated: string;
  resolutiondate: string | null;
  storyPoints: number | null;
  /** Every sprint the issue has been in, oldest first; the last is the current one. */
  sprintIds: number[];
  /** Status transitions, oldest first. */
  changelog: JiraHistory[];
}

/** Everything the simulator serves. Plain JSON: `mutate()` may change any of it. */
export interface SimulatorData {
  github: { repos: GitHubRepo[] };
  jira: { projects: JiraProject[]; sprints: JiraSprint[]; issues: JiraIssue[] };
}
