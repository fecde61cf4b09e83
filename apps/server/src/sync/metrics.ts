/**
 * Delivery metrics from normalised work items (definitions in docs/METRICS.md and
 * `METRICS` in @agiletrack/domain). Items are indexed once ({@link indexItems}: sorted arrays);
 * then the metrics as of any instant and window cost a few binary searches and the sort of the
 * window's durations, so a sync computes every window and two years of daily points in one pass.
 * Pure: the same items, instant and window always give the same numbers.
 */
import type { WorkItemInput } from './types.ts';

/** What the metrics read of a work item. */
export type MetricItem = Pick<
  WorkItemInput,
  | 'kind'
  | 'externalId'
  | 'state'
  | 'createdAt'
  | 'startedAt'
  | 'firstReviewAt'
  | 'finishedAt'
  | 'storyPoints'
  | 'sprint'
> & { data: Record<string, unknown> | null };

/** Metric values by name; `null` where there is nothing to measure. */
export type MetricValues = Record<string, number | null>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** An incident this soon after a production deployment (and before the next) counts against it. */
export const INCIDENT_ATTRIBUTION_MS = 7 * DAY;

/** The value at quantile `q` (0..1) with linear interpolation between ranks; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** The median, or null for an empty list. */
export function median(values: readonly number[]): number | null {
  return quantile(values, 0.5);
}

const round = (value: number | null, digits = 2) =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** A list of (time, value) sorted by time, for window slices by binary search. */
class Timeline {
  readonly times: number[] = [];
  readonly values: number[] = [];
  constructor(points: { at: number; value: number }[]) {
    points.sort((a, b) => a.at - b.at);
    for (const p of points) {
      this.times.push(p.at);
      this.values.push(p.value);
    }
  }
  /** Values with start < time ≤ end. */
  slice(start: number, end: number): number[] {
    return this.values.slice(upper(this.times, start), upper(this.times, end));
  }
  /** How many points have time ≤ at. */
  countUpTo(at: number): number {
    return upper(this.times, at);
  }
}

/** The first index whose value is > x. */
function upper(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Items of one integration, indexed for {@link metricsAt}. */
export type MetricIndex = GithubIndex | JiraIndex;

interface GithubIndex {
  kind: 'github';
  /** Merge time (h) at the merge. */
  merges: Timeline;
  /** Time to first review (h) at the review. */
  reviews: Timeline;
  /** Lead time (h) at the production deployment that shipped the change. */
  leadTimes: Timeline;
  /**
   * Production deployments at their finish: 0 succeeded, 1 failed (its own status), 2 succeeded
   * but an incident followed (a success for frequency, a failure for the failure rate).
   */
  deployments: Timeline;
  /** Time to restore (h) at the recovery. */
  restores: Timeline;
  opened: Timeline;
  closed: Timeline;
}

interface JiraIndex {
  kind: 'jira';
  cycleTimes: Timeline;
  leadTimes: Timeline;
  started: Timeline;
  finishedAfterStart: Timeline;
  /** Points done per closed sprint, at the sprint's completion. */
  sprints: Timeline;
}

/** The production deployments that count as failures, by external id, with why. */
export function failedDeployments(items: readonly MetricItem[]): Map<string, 'failed' | 'incident'> {
  const production = items
    .filter((i) => i.kind === 'deployment' && i.data?.production !== false && i.finishedAt !== null)
    .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const failed = new Map<string, 'failed' | 'incident'>();
  for (const d of production) if (d.state !== 'success') failed.set(d.externalId, 'failed');
  const finishes = production.map((d) => d.finishedAt!.getTime());
  for (const incident of items) {
    if (incident.kind !== 'incident') continue;
    const opened = incident.createdAt.getTime();
    // The last production deployment before the incident, if it was recent and successful.
    const index = upper(finishes, opened) - 1;
    const culprit = production[index];
    if (culprit && culprit.state === 'success' && opened - finishes[index]! <= INCIDENT_ATTRIBUTION_MS) {
      failed.set(culprit.externalId, 'incident');
    }
  }
  return failed;
}

/** Indexes one integration's items. */
export function indexItems(kind: 'github' | 'jira', items: readonly MetricItem[]): MetricIndex {
  const hours = (from: Date, to: Date | number) =>
    ((typeof to === 'number' ? to : to.getTime()) - from.getTime()) / HOUR;
  if (kind === 'github') {
    const pulls = items.filter((i) => i.kind === 'pull_request');
    const merged = pulls.filter((p) => p.state === 'merged' && p.finishedAt !== null);
    const production = items.filter(
      (i) => i.kind === 'deployment' && i.data?.production !== false && i.finishedAt !== null,
    );
    const successes = production
      .filter((d) => d.state === 'success')
      .map((d) => d.finishedAt!.getTime())
      .sort((a, b) => a - b);
    const failed = failedDeployments(items);
    const restores: { at: number; value: number }[] = [];
    for (const d of production) {
      if (d.state === 'success') continue;
      const next = successes[upper(successes, d.finishedAt!.getTime())];
      if (next !== undefined) restores.push({ at: next, value: hours(d.finishedAt!, next) });
    }
    for (const incident of items) {
      if (incident.kind === 'incident' && incident.finishedAt !== null) {
        restores.push({ at: incident.finishedAt.getTime(), value: hours(incident.createdAt, incident.finishedAt) });
      }
    }
    const open = pulls.filter((p) => p.data?.draft !== true);
    return {
      kind,
      merges: new Timeline(
        merged.map((p) => ({ at: p.finishedAt!.getTime(), value: hours(p.createdAt, p.finishedAt!) })),
      ),
      reviews: new Timeline(
        pulls
          .filter((p) => p.firstReviewAt !== null)
          .map((p) => ({ at: p.firstReviewAt!.getTime(), value: hours(p.createdAt, p.firstReviewAt!) })),
      ),
      leadTimes: new Timeline(
        merged.flatMap((p) => {
          const deployed = successes[upper(successes, p.finishedAt!.getTime() - 1)];
          return deployed === undefined ? [] : [{ at: deployed, value: hours(p.createdAt, deployed) }];
        }),
      ),
      deployments: new Timeline(
        production.map((d) => ({
          at: d.finishedAt!.getTime(),
          value: d.state !== 'success' ? 1 : failed.has(d.externalId) ? 2 : 0,
        })),
      ),
      restores: new Timeline(restores),
      opened: new Timeline(open.map((p) => ({ at: p.createdAt.getTime(), value: 1 }))),
      closed: new Timeline(
        open.flatMap((p) => {
          const closedAt =
            typeof p.data?.closedAt === 'string' ? Date.parse(p.data.closedAt) : (p.finishedAt?.getTime() ?? NaN);
          return Number.isFinite(closedAt) ? [{ at: closedAt, value: 1 }] : [];
        }),
      ),
    };
  }
  const issues = items.filter((i) => i.kind === 'issue');
  const done = issues.filter((i) => i.state === 'done' && i.finishedAt !== null);
  const started = issues.filter((i) => i.startedAt !== null);
  const pointsBySprint = new Map<string, number>();
  for (const issue of done) {
    if (issue.sprint !== null)
      pointsBySprint.set(issue.sprint, (pointsBySprint.get(issue.sprint) ?? 0) + (issue.storyPoints ?? 0));
  }
  return {
    kind,
    cycleTimes: new Timeline(
      done
        .filter((i) => i.startedAt !== null)
        .map((i) => ({ at: i.finishedAt!.getTime(), value: hours(i.startedAt!, i.finishedAt!) })),
    ),
    leadTimes: new Timeline(
      done.map((i) => ({ at: i.finishedAt!.getTime(), value: hours(i.createdAt, i.finishedAt!) })),
    ),
    started: new Timeline(started.map((i) => ({ at: i.startedAt!.getTime(), value: 1 }))),
    finishedAfterStart: new Timeline(
      started.filter((i) => i.finishedAt !== null).map((i) => ({ at: i.finishedAt!.getTime(), value: 1 })),
    ),
    sprints: new Timeline(
      items
        .filter((i) => i.kind === 'sprint' && i.state === 'closed' && i.finishedAt !== null)
        .map((s) => ({ at: s.finishedAt!.getTime(), value: pointsBySprint.get(s.externalId) ?? 0 })),
    ),
  };
}

/** The metrics as of `at` (epoch ms) over the `windowDays` before it. */
export function metricsAt(index: MetricIndex, at: number, windowDays: number): MetricValues {
  const start = at - windowDays * DAY;
  const weeks = windowDays / 7;
  if (index.kind === 'github') {
    const merges = index.merges.slice(start, at);
    const reviews = index.reviews.slice(start, at);
    const leadTimes = index.leadTimes.slice(start, at);
    const deployments = index.deployments.slice(start, at);
    const restores = index.restores.slice(start, at);
    const failed = deployments.filter((v) => v !== 0).length;
    const succeeded = deployments.filter((v) => v !== 1).length;
    return {
      deploymentsPerWeek: round(succeeded / weeks),
      leadTimeHours: round(median(leadTimes)),
      leadTimeP85Hours: round(quantile(leadTimes, 0.85)),
      changeFailureRate: deployments.length === 0 ? null : round(failed / deployments.length, 4),
      timeToRestoreHours: round(median(restores)),
      timeToRestoreP85Hours: round(quantile(restores, 0.85)),
      prThroughputPerWeek: round(merges.length / weeks),
      prReviewTimeHours: round(median(reviews)),
      prReviewTimeP85Hours: round(quantile(reviews, 0.85)),
      prMergeTimeHours: round(median(merges)),
      prMergeTimeP85Hours: round(quantile(merges, 0.85)),
      prWorkInProgress: index.opened.countUpTo(at) - index.closed.countUpTo(at),
      deployments: deployments.length,
      failedDeployments: failed,
      deployedChanges: leadTimes.length,
      restores: restores.length,
      mergedPullRequests: merges.length,
      reviewedPullRequests: reviews.length,
    };
  }
  const cycle = index.cycleTimes.slice(start, at);
  const lead = index.leadTimes.slice(start, at);
  const closedSprints = index.sprints.countUpTo(at);
  const lastThree = index.sprints.values.slice(Math.max(0, closedSprints - 3), closedSprints);
  return {
    issueThroughputPerWeek: round(lead.length / weeks),
    cycleTimeHours: round(median(cycle)),
    cycleTimeP85Hours: round(quantile(cycle, 0.85)),
    issueLeadTimeHours: round(median(lead)),
    issueLeadTimeP85Hours: round(quantile(lead, 0.85)),
    sprintVelocity: lastThree.length === 0 ? null : round(lastThree.reduce((a, b) => a + b, 0) / lastThree.length),
    issueWorkInProgress: index.started.countUpTo(at) - index.finishedAfterStart.countUpTo(at),
    doneIssues: lead.length,
  };
}

/** Computes the metrics of a GitHub or Jira integration over `windowDays` ending at `now`. */
export function computeMetrics(
  kind: 'github' | 'jira',
  items: readonly MetricItem[],
  now: Date,
  windowDays: number,
): MetricValues {
  return metricsAt(indexItems(kind, items), now.getTime(), windowDays);
}

/** `2024-01-31` for the UTC day of an instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * One point per UTC day from `fromDay` to `toDay` (inclusive): the metrics over `windowDays` as of
 * the end of that day (or as of `asOf` for the day containing it).
 */
export function dailyPoints(
  index: MetricIndex,
  fromDay: string,
  toDay: string,
  windowDays: number,
  asOf: number,
): { day: string; metrics: MetricValues }[] {
  const points: { day: string; metrics: MetricValues }[] = [];
  for (let t = Date.parse(`${fromDay}T00:00:00Z`); t <= Date.parse(`${toDay}T00:00:00Z`); t += DAY) {
    points.push({ day: dayOf(t), metrics: metricsAt(index, Math.min(t + DAY, asOf), windowDays) });
  }
  return points;
}
