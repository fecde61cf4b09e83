/**
 * GitHub records as work items, whichever API read them: pull requests (with their first review,
 * and from GraphQL their first commit, size, merge commit and labels), deployments with the
 * outcome of their statuses, incidents.
 */
import type { WorkItemInput } from '../types.ts';

/** A pull request as REST lists it (GraphQL answers are mapped to this). */
export interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  title: string;
  draft?: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  html_url?: string;
  user?: { login?: string } | null;
  merge_commit_sha?: string | null;
  labels?: { name?: string }[];
}
/** What a pull request's listing lacks: when coding started and the size of the change. */
export interface PullDetails {
  /** The first commit's author time. */
  firstCommitAt: string | null;
  additions: number;
  deletions: number;
  changedFiles: number;
}
/** A review. */
export interface Review {
  submitted_at?: string | null;
  state?: string;
}
/** A deployment. */
export interface Deployment {
  id: number;
  environment: string;
  created_at: string;
  updated_at?: string;
  sha?: string;
}
/** One status of a deployment. */
export interface DeploymentStatus {
  state: string;
  created_at: string;
}
/** An issue (incidents are issues with the incident label). */
export interface Issue {
  number: number;
  title: string;
  state: 'open' | 'closed';
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  html_url?: string;
  pull_request?: unknown;
}

/** GitHub integration settings (validated by the API). */
export interface GithubConfig {
  owner: string;
  repo: string;
  /** Environments whose deployments count as production. @default ['production', 'prod'] */
  productionEnvironments?: string[] | undefined;
  /** The label that marks an issue as an incident. @default 'incident' */
  incidentLabel?: string | undefined;
  /** `graphql` (default) or `rest`, the fallback. */
  api?: 'graphql' | 'rest' | undefined;
}

/** Deployment states after which GitHub adds no further status of interest. */
export const FINAL_DEPLOYMENT_STATES = new Set(['success', 'failure', 'error', 'inactive']);

const date = (value: string | null | undefined) => (value ? new Date(value) : null);
/** The later of two ISO times (the first may be missing). */
export const later = (a: string | undefined, b: string) => (a === undefined || b > a ? b : a);

/**
 * A pull request: opened → first review → merged, with when coding started (the first commit),
 * its size, merge commit (what a deployment ships), labels and approvals for later breakdowns.
 */
export function pullItem(pr: PullRequest, reviews: Review[], details: PullDetails): WorkItemInput {
  const reviewTimes = reviews
    .map((r) => r.submitted_at)
    .filter((t): t is string => typeof t === 'string')
    .map((t) => Date.parse(t))
    .sort((a, b) => a - b);
  return {
    kind: 'pull_request',
    externalId: String(pr.number),
    title: pr.title ?? '',
    state: pr.merged_at ? 'merged' : pr.state,
    createdAt: new Date(pr.created_at),
    startedAt: new Date(details.firstCommitAt ?? pr.created_at),
    firstReviewAt: reviewTimes.length > 0 ? new Date(reviewTimes[0]!) : null,
    finishedAt: date(pr.merged_at),
    storyPoints: null,
    sprint: null,
    data: {
      updatedAt: pr.updated_at,
      url: pr.html_url ?? null,
      draft: pr.draft ?? false,
      author: pr.user?.login ?? null,
      closedAt: pr.closed_at,
      firstCommitAt: details.firstCommitAt,
      additions: details.additions,
      deletions: details.deletions,
      changedFiles: details.changedFiles,
      mergeCommit: pr.merged_at ? (pr.merge_commit_sha ?? null) : null,
      labels: (pr.labels ?? []).map((l) => l.name ?? '').filter((name) => name !== ''),
      approvals: reviews.filter((r) => r.state === 'APPROVED').length,
    },
  };
}

/** A deployment: production ones with the outcome of their statuses, others stored as untracked. */
export function deploymentItem(
  deployment: Deployment,
  statuses: DeploymentStatus[],
  production: boolean,
): WorkItemInput {
  if (!production) {
    return {
      kind: 'deployment',
      externalId: String(deployment.id),
      title: deployment.sha ?? '',
      state: 'untracked',
      createdAt: new Date(deployment.created_at),
      startedAt: new Date(deployment.created_at),
      firstReviewAt: null,
      finishedAt: null,
      storyPoints: null,
      sprint: null,
      data: {
        updatedAt: deployment.updated_at ?? deployment.created_at,
        environment: deployment.environment,
        production,
      },
    };
  }
  // GitHub lists statuses newest first; sort anyway so the order of the source does not matter.
  const ordered = [...statuses].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  const final = ordered.filter((s) => FINAL_DEPLOYMENT_STATES.has(s.state) && s.state !== 'inactive');
  const outcome = final.at(-1);
  const latest = ordered.at(-1);
  return {
    kind: 'deployment',
    externalId: String(deployment.id),
    title: deployment.sha ?? '',
    // `inactive` only says a newer deployment replaced this one: the outcome is what counts.
    state: outcome?.state ?? latest?.state ?? 'pending',
    createdAt: new Date(deployment.created_at),
    startedAt: new Date(deployment.created_at),
    firstReviewAt: null,
    finishedAt: outcome ? new Date(outcome.created_at) : null,
    storyPoints: null,
    sprint: null,
    data: {
      updatedAt: deployment.updated_at ?? deployment.created_at,
      environment: deployment.environment,
      production,
      sha: deployment.sha ?? null,
    },
  };
}

/** An incident: opened → closed (restored). */
export function incidentItem(issue: Issue): WorkItemInput {
  return {
    kind: 'incident',
    externalId: String(issue.number),
    title: issue.title ?? '',
    state: issue.state,
    createdAt: new Date(issue.created_at),
    startedAt: new Date(issue.created_at),
    firstReviewAt: null,
    finishedAt: date(issue.closed_at),
    storyPoints: null,
    sprint: null,
    data: { updatedAt: issue.updated_at, url: issue.html_url ?? null },
  };
}

/** Whether an environment name counts as production for this integration. */
export function isProduction(environment: string, config: GithubConfig): boolean {
  const names = config.productionEnvironments ?? ['production', 'prod'];
  return names.some((name) => name.toLowerCase() === environment.toLowerCase());
}
