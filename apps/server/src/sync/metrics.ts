/**
 * Delivery metrics from normalised work items (definitions in docs/METRICS.md). Pure: the same
 * items, window and time always give the same numbers, so tests can check them by hand.
 */
import type { WorkItemInput } from './types.ts';

/** The metrics of one integration over one window. `null` where the source cannot tell. */
export interface IntegrationMetrics {
  throughputPerWeek: number | null;
  cycleTimeHours: number | null;
  leadTimeHours: number | null;
  prMergeTimeHours: number | null;
  reviewTurnaroundHours: number | null;
  deploymentsPerWeek: number | null;
  sprintVelocity: number | null;
  workInProgress: number | null;
}

type Item = Pick<
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
  | 'data'
>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The median, or null for an empty list. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);
const hours = (from: Date, to: Date) => (to.getTime() - from.getTime()) / HOUR;

/** Computes the metrics of a GitHub or Jira integration over `windowDays` ending at `now`. */
export function computeMetrics(
  kind: 'github' | 'jira',
  items: readonly Item[],
  now: Date,
  windowDays: number,
): IntegrationMetrics {
  const start = now.getTime() - windowDays * DAY;
  const weeks = windowDays / 7;
  const inWindow = (date: Date | null): date is Date =>
    date !== null && date.getTime() > start && date.getTime() <= now.getTime();

  if (kind === 'github') {
    const pulls = items.filter((i) => i.kind === 'pull_request');
    const merged = pulls.filter((p) => p.state === 'merged' && inWindow(p.finishedAt));
    const deployedAt = items
      .filter((i) => i.kind === 'deployment' && i.finishedAt !== null)
      .map((d) => d.finishedAt!.getTime())
      .sort((a, b) => a - b);
    const leadTimes = merged.flatMap((p) => {
      const deployed = deployedAt.find((t) => t >= p.finishedAt!.getTime());
      return deployed === undefined ? [] : [hours(p.createdAt, new Date(deployed))];
    });
    return {
      throughputPerWeek: round(merged.length / weeks),
      cycleTimeHours: null,
      leadTimeHours: round(median(leadTimes)),
      prMergeTimeHours: round(median(merged.map((p) => hours(p.createdAt, p.finishedAt!)))),
      reviewTurnaroundHours: round(
        median(pulls.filter((p) => inWindow(p.firstReviewAt)).map((p) => hours(p.createdAt, p.firstReviewAt!))),
      ),
      deploymentsPerWeek: round(items.filter((i) => i.kind === 'deployment' && inWindow(i.finishedAt)).length / weeks),
      sprintVelocity: null,
      workInProgress: pulls.filter((p) => p.state === 'open' && p.data?.draft !== true).length,
    };
  }

  const issues = items.filter((i) => i.kind === 'issue');
  const done = issues.filter((i) => i.state === 'Done' && inWindow(i.finishedAt));
  const closedSprints = items
    .filter(
      (i) =>
        i.kind === 'sprint' && i.state === 'closed' && i.finishedAt !== null && i.finishedAt.getTime() <= now.getTime(),
    )
    .sort((a, b) => b.finishedAt!.getTime() - a.finishedAt!.getTime())
    .slice(0, 3);
  const velocities = closedSprints.map((sprint) =>
    issues
      .filter((i) => i.state === 'Done' && i.sprint === sprint.externalId)
      .reduce((sum, i) => sum + (i.storyPoints ?? 0), 0),
  );
  return {
    throughputPerWeek: round(done.length / weeks),
    cycleTimeHours: round(
      median(done.filter((i) => i.startedAt !== null).map((i) => hours(i.startedAt!, i.finishedAt!))),
    ),
    leadTimeHours: round(median(done.map((i) => hours(i.createdAt, i.finishedAt!)))),
    prMergeTimeHours: null,
    reviewTurnaroundHours: null,
    deploymentsPerWeek: null,
    sprintVelocity: velocities.length === 0 ? null : round(velocities.reduce((a, b) => a + b, 0) / velocities.length),
    workInProgress: issues.filter((i) => i.state === 'In Progress').length,
  };
}
