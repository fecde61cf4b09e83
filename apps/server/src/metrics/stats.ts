/**
 * What every metric is built from: samples (an item, the instant that places it in a window, the
 * value it contributes) on timelines sliced by binary search, so the samples as of any instant and
 * window cost a few searches.
 */
import { roundTo } from '@agiletrack/domain';

/** What the metrics read of a stored work item (a row of `work_items`). */
export interface MetricItem {
  kind: 'pull_request' | 'issue' | 'deployment' | 'sprint' | 'incident';
  externalId: string;
  state: string;
  createdAt: Date;
  startedAt: Date | null;
  firstReviewAt: Date | null;
  finishedAt: Date | null;
  storyPoints: number | null;
  sprint: string | null;
  /** Source details (`url`, `mergeCommit`, `sha`, `production`, `closedAt`, `additions`, …). */
  data: Record<string, unknown> | null;
}

/** One hour and one day, in milliseconds. */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Hours from `from` to `to`, to two decimals (the precision the drill-down lists). */
export const hoursBetween = (from: Date | number, to: Date | number): number =>
  roundTo(
    ((typeof to === 'number' ? to : to.getTime()) - (typeof from === 'number' ? from : from.getTime())) / HOUR,
    2,
  );

/** The first index whose value is > x. */
export function upper(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An item's part in a number: `ref` is `kind:externalId`; `note` says more (what shipped it, why it failed). */
export interface Sample {
  readonly ref: string;
  readonly at: number;
  readonly value: number;
  readonly note: string | null;
}

/** The samples behind a number: their values at once, the rows when a list is wanted. */
export interface SampleSet {
  readonly values: readonly number[];
  rows(): Sample[];
}

/** A work item's reference in a sample. */
export const refOf = (kind: string, externalId: string): string => `${kind}:${externalId}`;

/** The kind and external id of a sample's reference. */
export function parseRef(ref: string): { kind: string; externalId: string } {
  const colon = ref.indexOf(':');
  return { kind: ref.slice(0, colon), externalId: ref.slice(colon + 1) };
}

/** Samples sorted by time, for window slices by binary search. */
export class Timeline {
  readonly #times: number[] = [];
  readonly #samples: Sample[];
  readonly #values: number[];
  constructor(samples: Sample[]) {
    this.#samples = samples.sort((a, b) => a.at - b.at || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
    for (const s of this.#samples) this.#times.push(s.at);
    this.#values = this.#samples.map((s) => s.value);
  }
  /** Samples with start < time ≤ end. */
  window(start: number, end: number): SampleSet {
    const from = upper(this.#times, start);
    const to = upper(this.#times, end);
    return { values: this.#values.slice(from, to), rows: () => this.#samples.slice(from, to) };
  }
  /** Every sample with time ≤ at, as a list. */
  upTo(at: number): Sample[] {
    return this.#samples.slice(0, upper(this.#times, at));
  }
}
