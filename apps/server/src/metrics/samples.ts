/**
 * Sample sets → metric values, the one rule every card follows: a number is its statistic
 * (`METRICS[name].statistic` in @agiletrack/domain) over the values of the items its drill-down
 * lists. Also the stored form of sample sets (snapshots keep them, so a team's numbers are computed
 * over the union of its integrations' items and the drill-down lists exactly those items).
 */
import {
  METRIC_NAMES,
  METRICS,
  type MetricDrill,
  type MetricName,
  statisticOf,
  statisticOfSorted,
} from '@agiletrack/domain';
import type { Sample, SampleSet } from './stats.ts';

/** The sample sets of one scope (an integration, a team) as of one instant and window. */
export type SampleSets = Partial<Record<MetricDrill, SampleSet>>;

/** One integration's items, indexed: the sample sets as of any instant over any window. */
export type MetricIndex = (at: number, windowDays: number) => SampleSets;

/** Metric values by name; `null` where there is nothing to measure. */
export type MetricValues = Record<string, number | null>;

/** Every metric whose list the sets hold, computed from that list. */
export function valuesOf(sets: SampleSets, windowDays: number): MetricValues {
  const out: MetricValues = {};
  // Each list is sorted once for all the metrics that read it (a median, a p85, a count).
  const sorted = new Map<MetricDrill, readonly number[]>();
  for (const name of METRIC_NAMES) {
    const { drill, statistic } = METRICS[name];
    const set = sets[drill];
    if (set === undefined) continue;
    let values = sorted.get(drill);
    if (values === undefined) {
      values = [...set.values].sort((a, b) => a - b);
      sorted.set(drill, values);
    }
    out[name] = statisticOfSorted(statistic, values, windowDays);
  }
  return out;
}

/** One metric's value from its list's values. */
export function metricValueOf(name: MetricName, values: readonly number[], windowDays: number): number | null {
  return statisticOf(METRICS[name].statistic, values, windowDays);
}

/** Sample sets as stored with a snapshot: `[ref, at, value, note]` per sample. */
export type StoredSamples = Partial<Record<MetricDrill, [string, number, number, string | null][]>>;

/** The stored form of sample sets. */
export function storeSamples(sets: SampleSets): StoredSamples {
  const out: StoredSamples = {};
  for (const [drill, set] of Object.entries(sets) as [MetricDrill, SampleSet][]) {
    out[drill] = set.rows().map((s) => [s.ref, s.at, s.value, s.note]);
  }
  return out;
}

/** Only the values of each list (the previous period: numbers, no drill-down). */
export type StoredValues = Partial<Record<MetricDrill, number[]>>;

/** The stored form of the values of sample sets. */
export function storeValues(sets: SampleSets): StoredValues {
  const out: StoredValues = {};
  for (const [drill, set] of Object.entries(sets) as [MetricDrill, SampleSet][]) out[drill] = [...set.values];
  return out;
}

/** Sets of values only (no rows), e.g. the union of stored values. */
export function valueSets(list: readonly StoredValues[]): SampleSets {
  const values: Partial<Record<MetricDrill, number[]>> = {};
  for (const stored of list) {
    for (const [drill, v] of Object.entries(stored) as [MetricDrill, number[]][]) {
      const list = values[drill] ?? [];
      values[drill] = list;
      for (const value of v) list.push(value);
    }
  }
  const out: SampleSets = {};
  for (const [drill, v] of Object.entries(values) as [MetricDrill, number[]][])
    out[drill] = { values: v, rows: () => [] };
  return out;
}

/** A sample of a team's list: which integration it came from. */
export interface TeamSample extends Sample {
  readonly integrationId: number;
}

/** The union of several integrations' stored samples, one list per drill-down. */
export function unionSamples(
  list: readonly { integrationId: number; samples: StoredSamples }[],
): Partial<Record<MetricDrill, TeamSample[]>> {
  const out: Partial<Record<MetricDrill, TeamSample[]>> = {};
  for (const { integrationId, samples } of list) {
    for (const [drill, rows] of Object.entries(samples) as [MetricDrill, StoredSamples[MetricDrill] & {}][]) {
      const into = out[drill] ?? [];
      out[drill] = into;
      for (const [ref, at, value, note] of rows) into.push({ integrationId, ref, at, value, note });
    }
  }
  return out;
}
