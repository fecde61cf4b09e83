/**
 * What every connector's metrics are built from: quantiles, and timelines of (time, value) points
 * sliced by binary search, so the metrics as of any instant and window cost a few searches.
 */

/** One hour and one day, in milliseconds. */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

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

/** Rounds to `digits` decimals, keeping null. */
export const round = (value: number | null, digits = 2): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** Hours from `from` to `to`. */
export const hoursBetween = (from: Date | number, to: Date | number): number =>
  ((typeof to === 'number' ? to : to.getTime()) - (typeof from === 'number' ? from : from.getTime())) / HOUR;

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

/** A list of (time, value) sorted by time, for window slices by binary search. */
export class Timeline {
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
