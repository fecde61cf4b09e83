/**
 * The delivery metrics: one definition per number the API returns, shared by the server (roll-up,
 * drill-down) and the dashboard (labels, units, explanations). docs/METRICS.md says the same in
 * prose; the explanation here is what the dashboard shows next to the number.
 */
import type { MetricStatistic } from './metric-statistics.ts';

/** How a value reads: hours (shown as hours under two days, then days), a rate, a ratio, a count. */
export type MetricUnit = 'hours' | 'perWeek' | 'ratio' | 'count' | 'points' | 'lines';

/** Where a metric comes from. */
export type MetricSource = 'github' | 'jira';

/** How a team combines its integrations' values. */
export type MetricRollup =
  /** Rates and counts add up. */
  | { kind: 'sum' }
  /** Durations: the integrations' values weighted by how many samples each had. */
  | { kind: 'weighted'; weight: string }
  /** A ratio of two summed counts. */
  | { kind: 'ratio'; numerator: string; denominator: string };

/**
 * Which work items stand behind a number (the drill-down), each with the value it contributes.
 * Several metrics share a list (the median and p85 of one duration, its count, its rate).
 */
export type MetricDrill =
  /** Successful production deployments finished in the window (1 each). */
  | 'successful_deployments'
  /** Production deployments finished in the window: 1 if counted as failed, else 0. */
  | 'production_deployments'
  /** Production deployments finished in the window counted as failed (1 each). */
  | 'failed_deployments'
  /** Merged pull requests shipped by a successful production deployment in the window: first commit → deployment (h). */
  | 'deployed_changes'
  /** Recoveries in the window (a failed deployment or an incident): how long (h). */
  | 'restores'
  /** Pull requests merged in the window: opened → merged (h). */
  | 'merged_pull_requests'
  /** Pull requests first reviewed in the window: opened → first review (h). */
  | 'reviewed_pull_requests'
  /** Pull requests open (not drafts) at the end of the window (1 each). */
  | 'open_pull_requests'
  /** Pull requests merged in the window: first commit → opened (h). */
  | 'pr_coding'
  /** Pull requests merged in the window, reviewed before the merge: opened → first review (h). */
  | 'pr_pickup'
  /** Pull requests merged in the window, reviewed before the merge: first review → merged (h). */
  | 'pr_review'
  /** Changes shipped by a production deployment in the window: merged → deployed (h). */
  | 'pr_deploy'
  /** Pull requests merged in the window: lines added + deleted. */
  | 'pr_size'
  /** Issues done in the window: created → done (h). */
  | 'done_issues'
  /** Issues done in the window that were started: started → done (h). */
  | 'cycle_issues'
  /** Issues started and not done at the end of the window (1 each). */
  | 'issues_in_progress'
  /** Issues done in the last three sprints closed by the end of the window: their points ÷ the sprints. */
  | 'sprint_issues';

/** One metric. */
export interface MetricDefinition {
  readonly label: string;
  readonly unit: MetricUnit;
  readonly source: MetricSource;
  /** A DORA key metric. */
  readonly dora: boolean;
  /** Shown as a headline card (counts behind other numbers are not). */
  readonly headline: boolean;
  /** How daily history points of several integrations combine (cards use every item, see `statistic`). */
  readonly rollup: MetricRollup;
  /** The items behind the number. */
  readonly drill: MetricDrill;
  /** How the number is computed from the values of its items. */
  readonly statistic: MetricStatistic;
  /** One or two sentences for the dashboard: what the number is and how it is computed. */
  readonly explanation: string;
}

const sum = { kind: 'sum' } as const;

/** Every metric, in display order. */
export const METRICS = {
  deploymentsPerWeek: {
    label: 'Deployment frequency',
    unit: 'perWeek',
    source: 'github',
    dora: true,
    headline: true,
    rollup: sum,
    drill: 'successful_deployments',
    statistic: 'ratePerWeek',
    explanation:
      'Successful deployments to production per week over the window. Only environments configured as production count (default: production, prod); staging does not.',
  },
  leadTimeHours: {
    label: 'Lead time for changes (PRs)',
    unit: 'hours',
    source: 'github',
    dora: true,
    headline: true,
    rollup: { kind: 'weighted', weight: 'deployedChanges' },
    drill: 'deployed_changes',
    statistic: 'median',
    explanation:
      "Median time from a pull request's first commit to the successful production deployment that shipped its merge commit, for changes deployed in the window.",
  },
  leadTimeP85Hours: {
    label: 'Lead time for changes, p85',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'deployedChanges' },
    drill: 'deployed_changes',
    statistic: 'p85',
    explanation: '85 % of changes deployed in the window reached production within this time.',
  },
  changeFailureRate: {
    label: 'Change failure rate',
    unit: 'ratio',
    source: 'github',
    dora: true,
    headline: true,
    rollup: { kind: 'ratio', numerator: 'failedDeployments', denominator: 'deployments' },
    drill: 'production_deployments',
    statistic: 'ratio',
    explanation:
      'Share of production deployments in the window that failed: the deployment itself failed (failure or error status), or an incident was opened within 7 days after it, before the next production deployment.',
  },
  timeToRestoreHours: {
    label: 'Time to restore',
    unit: 'hours',
    source: 'github',
    dora: true,
    headline: true,
    rollup: { kind: 'weighted', weight: 'restores' },
    drill: 'restores',
    statistic: 'median',
    explanation:
      'Median time to recover from a failure, for recoveries in the window: a failed deployment until the next successful production deployment; an incident from opened to closed.',
  },
  timeToRestoreP85Hours: {
    label: 'Time to restore, p85',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'restores' },
    drill: 'restores',
    statistic: 'p85',
    explanation: '85 % of recoveries in the window took at most this long.',
  },
  prThroughputPerWeek: {
    label: 'PR throughput',
    unit: 'perWeek',
    source: 'github',
    dora: false,
    headline: true,
    rollup: sum,
    drill: 'merged_pull_requests',
    statistic: 'ratePerWeek',
    explanation: 'Pull requests merged per week over the window.',
  },
  prReviewTimeHours: {
    label: 'PR time to first review',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'reviewedPullRequests' },
    drill: 'reviewed_pull_requests',
    statistic: 'median',
    explanation: 'Median time from a pull request being opened to its first review, for first reviews in the window.',
  },
  prReviewTimeP85Hours: {
    label: 'PR time to first review, p85',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'reviewedPullRequests' },
    drill: 'reviewed_pull_requests',
    statistic: 'p85',
    explanation: '85 % of first reviews in the window came within this time.',
  },
  prMergeTimeHours: {
    label: 'PR merge time',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'merged_pull_requests',
    statistic: 'median',
    explanation: 'Median time from a pull request being opened to its merge, for merges in the window.',
  },
  prMergeTimeP85Hours: {
    label: 'PR merge time, p85',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'merged_pull_requests',
    statistic: 'p85',
    explanation: '85 % of pull requests merged in the window were merged within this time.',
  },
  prWorkInProgress: {
    label: 'Open PRs',
    unit: 'count',
    source: 'github',
    dora: false,
    headline: true,
    rollup: sum,
    drill: 'open_pull_requests',
    statistic: 'count',
    explanation: 'Pull requests open (not drafts) at the end of the window.',
  },
  cycleCodingHours: {
    label: 'Coding time',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'pr_coding',
    statistic: 'median',
    explanation:
      'Median time from first commit to the pull request being opened, for pull requests merged in the window.',
  },
  cycleCodingP85Hours: {
    label: 'Coding time, p85',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'pr_coding',
    statistic: 'p85',
    explanation:
      '85th percentile of the time from first commit to the pull request being opened, for pull requests merged in the window.',
  },
  cyclePickupHours: {
    label: 'Pickup time',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'pr_pickup',
    statistic: 'median',
    explanation:
      'Median time from a pull request being opened to its first review, for pull requests merged in the window after a review.',
  },
  cyclePickupP85Hours: {
    label: 'Pickup time, p85',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'pr_pickup',
    statistic: 'p85',
    explanation:
      '85th percentile of the time from a pull request being opened to its first review, for pull requests merged in the window after a review.',
  },
  cycleReviewHours: {
    label: 'Review time',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'pr_review',
    statistic: 'median',
    explanation:
      'Median time from the first review to the merge, for pull requests merged in the window after a review.',
  },
  cycleReviewP85Hours: {
    label: 'Review time, p85',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'pr_review',
    statistic: 'p85',
    explanation:
      '85th percentile of the time from the first review to the merge, for pull requests merged in the window after a review.',
  },
  cycleDeployHours: {
    label: 'Deploy time',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'deployedChanges' },
    drill: 'pr_deploy',
    statistic: 'median',
    explanation:
      'Median time from the merge to the successful production deployment that shipped it, for changes deployed in the window.',
  },
  cycleDeployP85Hours: {
    label: 'Deploy time, p85',
    unit: 'hours',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'deployedChanges' },
    drill: 'pr_deploy',
    statistic: 'p85',
    explanation:
      '85th percentile of the time from the merge to the successful production deployment that shipped it, for changes deployed in the window.',
  },
  prSizeLines: {
    label: 'PR size',
    unit: 'lines',
    source: 'github',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'pr_size',
    statistic: 'median',
    explanation: 'Median lines changed (added + deleted) of the pull requests merged in the window.',
  },
  prSizeP85Lines: {
    label: 'PR size, p85',
    unit: 'lines',
    source: 'github',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'mergedPullRequests' },
    drill: 'pr_size',
    statistic: 'p85',
    explanation: '85 % of the pull requests merged in the window changed at most this many lines.',
  },
  issueThroughputPerWeek: {
    label: 'Issue throughput',
    unit: 'perWeek',
    source: 'jira',
    dora: false,
    headline: true,
    rollup: sum,
    drill: 'done_issues',
    statistic: 'ratePerWeek',
    explanation: 'Issues moved to a done status per week over the window.',
  },
  cycleTimeHours: {
    label: 'Cycle time',
    unit: 'hours',
    source: 'jira',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'doneIssues' },
    drill: 'cycle_issues',
    statistic: 'median',
    explanation:
      'Median time from an issue first entering an in-progress status to its last move to done, for issues done in the window.',
  },
  cycleTimeP85Hours: {
    label: 'Cycle time, p85',
    unit: 'hours',
    source: 'jira',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'doneIssues' },
    drill: 'cycle_issues',
    statistic: 'p85',
    explanation: '85 % of issues done in the window went from started to done within this time.',
  },
  issueLeadTimeHours: {
    label: 'Lead time (issues)',
    unit: 'hours',
    source: 'jira',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'doneIssues' },
    drill: 'done_issues',
    statistic: 'median',
    explanation: 'Median time from an issue being created to done, for issues done in the window.',
  },
  issueLeadTimeP85Hours: {
    label: 'Lead time (issues), p85',
    unit: 'hours',
    source: 'jira',
    dora: false,
    headline: false,
    rollup: { kind: 'weighted', weight: 'doneIssues' },
    drill: 'done_issues',
    statistic: 'p85',
    explanation: '85 % of issues done in the window took at most this long from creation.',
  },
  sprintVelocity: {
    label: 'Sprint velocity',
    unit: 'points',
    source: 'jira',
    dora: false,
    headline: true,
    rollup: sum,
    drill: 'sprint_issues',
    statistic: 'sum',
    explanation: 'Mean story points done in the last three sprints closed by the end of the window.',
  },
  issueWorkInProgress: {
    label: 'Issues in progress',
    unit: 'count',
    source: 'jira',
    dora: false,
    headline: true,
    rollup: sum,
    drill: 'issues_in_progress',
    statistic: 'count',
    explanation: 'Issues started and not done at the end of the window.',
  },
  deployments: {
    label: 'Production deployments',
    unit: 'count',
    source: 'github',
    dora: false,
    headline: false,
    rollup: sum,
    drill: 'production_deployments',
    statistic: 'count',
    explanation: 'Production deployments that finished (succeeded or failed) in the window.',
  },
  failedDeployments: {
    label: 'Failed deployments',
    unit: 'count',
    source: 'github',
    dora: false,
    headline: false,
    rollup: sum,
    drill: 'failed_deployments',
    statistic: 'count',
    explanation: 'Production deployments in the window counted as failures (see change failure rate).',
  },
  deployedChanges: {
    label: 'Deployed changes',
    unit: 'count',
    source: 'github',
    dora: false,
    headline: false,
    rollup: sum,
    drill: 'deployed_changes',
    statistic: 'count',
    explanation: 'Merged pull requests shipped by a successful production deployment in the window.',
  },
  restores: {
    label: 'Recoveries',
    unit: 'count',
    source: 'github',
    dora: false,
    headline: false,
    rollup: sum,
    drill: 'restores',
    statistic: 'count',
    explanation: 'Failures recovered from in the window.',
  },
  mergedPullRequests: {
    label: 'Merged PRs',
    unit: 'count',
    source: 'github',
    dora: false,
    headline: false,
    rollup: sum,
    drill: 'merged_pull_requests',
    statistic: 'count',
    explanation: 'Pull requests merged in the window.',
  },
  reviewedPullRequests: {
    label: 'First reviews',
    unit: 'count',
    source: 'github',
    dora: false,
    headline: false,
    rollup: sum,
    drill: 'reviewed_pull_requests',
    statistic: 'count',
    explanation: 'Pull requests that got their first review in the window.',
  },
  doneIssues: {
    label: 'Issues done',
    unit: 'count',
    source: 'jira',
    dora: false,
    headline: false,
    rollup: sum,
    drill: 'done_issues',
    statistic: 'count',
    explanation: 'Issues moved to done in the window.',
  },
} as const satisfies Record<string, MetricDefinition>;

/** The name of a metric. */
export type MetricName = keyof typeof METRICS;

/** Every metric name, in display order. */
export const METRIC_NAMES = Object.freeze(Object.keys(METRICS) as MetricName[]);

/** True for a known metric name. */
export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

/** Metric windows (days) computed by every sync and offered by the dashboard. */
export const METRIC_WINDOWS = [7, 14, 28, 90] as const;

/** The window served when none is asked for. */
export const DEFAULT_METRIC_WINDOW = 28;

/** Hours shown as hours under two days, then as days: `5.2 h`, `3.4 d`. */
export function formatDuration(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return '—';
  if (hours < 48) return `${hours < 10 ? hours.toFixed(1) : Math.round(hours)} h`;
  const days = hours / 24;
  return `${days < 10 ? days.toFixed(1) : Math.round(days)} d`;
}

/** A metric value for reading, in its unit. */
export function formatMetric(name: MetricName, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (METRICS[name].unit) {
    case 'hours':
      return formatDuration(value);
    case 'ratio':
      return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)} %`;
    case 'perWeek':
      return `${value < 10 ? value.toFixed(1) : Math.round(value)} / week`;
    case 'points':
      return `${Number.isInteger(value) ? value : value.toFixed(1)} pts`;
    case 'count':
      return String(Math.round(value));
    case 'lines':
      return `${Math.round(value)} lines`;
  }
}
