/**
 * Delivery metrics from normalised work items (definitions in docs/METRICS.md and `METRICS` in
 * @agiletrack/domain). Each integration's connector indexes its items once with `metrics/github.ts` or
 * `metrics/jira.ts` (`connectorFor(kind).metrics`: the connectors choose, this folder never
 * branches on a source); then the samples as of any instant and window cost a few binary searches, so
 * a sync computes every window and two years of daily points in one pass. Pure: the same items,
 * instant and window give the same numbers. Used by the sync (snapshots, history) and the services
 * (a drill-down over any time range).
 */
import { type MetricIndex, type MetricValues, valuesOf } from './samples.ts';
import { DAY } from './stats.ts';

/** The metrics of an index over `windowDays` ending at `at`. */
export function valuesAt(index: MetricIndex, at: number, windowDays: number): MetricValues {
  return valuesOf(index(at, windowDays), windowDays);
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
    const at = Math.min(t + DAY, asOf);
    points.push({ day: dayOf(t), metrics: valuesAt(index, at, windowDays) });
  }
  return points;
}
