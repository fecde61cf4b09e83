/**
 * The delivery metrics: one definition per number the API returns, shared by the server (roll-up,
 * drill-down) and the dashboard (labels, units, explanations). docs/METRICS.md says the same in
 * prose; the explanation here is what the dashboard shows next to the number.
 */

/** How a value reads: hours (shown as hours under two days, then days), a rate, a ratio, a count. */
export type MetricUnit = 'hours' | 'perWeek' | 'ratio' | 'count' | 'points';

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

/** Which work items stand behind a number (the drill-down). */
export type MetricDrill =
  | 'production_deployments'
  | 'failed_deployments'
  | 'deployed_changes'
  | 'restores'
  | 'merged_pull_requests'
  | 'reviewed_pull_requests'
  | 'open_pull_requests'
  | 'done_issues'
  | 'issues_in_progress'
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
  readonly rollup: MetricRollup;
  readonly drill: MetricDrill;
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
    drill: 'production_deployments',
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
    explanation: '85 % of changes deployed in the window reached production within this time.',
  },
  changeFailureRate: {
    label: 'Change failure rate',
    unit: 'ratio',
    source: 'github',
    dora: true,
    headline: true,
    rollup: { kind: 'ratio', numerator: 'failedDeployments', denominator: 'deployments' },
    drill: 'failed_deployments',
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
    explanation: 'Pull requests open (not drafts) at the end of the window.',
  },
  issueThroughputPerWeek: {
    label: 'Issue throughput',
    unit: 'perWeek',
    source: 'jira',
    dora: false,
    headline: true,
    rollup: sum,
    drill: 'done_issues',
    explanation: 'Issues moved to a done status per week over the window.',
  },
  cycleTimeHours: {
    label: 'Cycle time',
    unit: 'hours',
    source: 'jira',
    dora: false,
    headline: true,
    rollup: { kind: 'weighted', weight: 'doneIssues' },
    drill: 'done_issues',
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
    drill: 'done_issues',
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
    explanation: 'Merged pull requests whose first production deployment was in the window.',
  },
  restores: {
    label: 'Recoveries',
    unit: 'count',
    source: 'github',
    dora: false,
    headline: false,
    rollup: sum,
    drill: 'restores',
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
  }
}
