/**
 * How a metric's number is computed from the values of the items behind it (its drill-down), in
 * one place: the server computes every card with it and anyone can recompute a card from the list.
 */

/** The statistic a metric's number is, over its items' values. */
export type MetricStatistic =
  /** The median of the values (linear interpolation between ranks). */
  | 'median'
  /** The 85th percentile of the values (linear interpolation between ranks). */
  | 'p85'
  /** How many items, per week of the window. */
  | 'ratePerWeek'
  /** The mean of 0/1 values: items counted ÷ all items. */
  | 'ratio'
  /** How many items. */
  | 'count'
  /** The sum of the values. */
  | 'sum';

/** A short phrase for a statistic, as the dashboard prints it next to a number. */
export const STATISTIC_LABELS: Readonly<Record<MetricStatistic, string>> = {
  median: 'median',
  p85: '85th percentile',
  ratePerWeek: 'count ÷ weeks',
  ratio: 'counted ÷ total',
  count: 'count',
  sum: 'sum',
};

/** The value at quantile `q` (0..1) with linear interpolation between ranks; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  return quantileOfSorted(
    [...values].sort((a, b) => a - b),
    q,
  );
}

/** {@link quantile} of values already sorted ascending. */
export function quantileOfSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Rounds to `digits` decimals. */
export const roundTo = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * A metric's number from its items' values over a window of `windowDays`: durations and sums to
 * two decimals, ratios to four. Null when there is nothing to measure (no item; for a rate, 0).
 */
export function statisticOf(statistic: MetricStatistic, values: readonly number[], windowDays: number): number | null {
  return statisticOfSorted(
    statistic,
    statistic === 'median' || statistic === 'p85' ? [...values].sort((a, b) => a - b) : values,
    windowDays,
  );
}

/** {@link statisticOf} of values already sorted ascending (one sort for a median and a p85). */
export function statisticOfSorted(
  statistic: MetricStatistic,
  values: readonly number[],
  windowDays: number,
): number | null {
  switch (statistic) {
    case 'median':
    case 'p85': {
      const value = quantileOfSorted(values, statistic === 'median' ? 0.5 : 0.85);
      return value === null ? null : roundTo(value, 2);
    }
    case 'ratePerWeek':
      return roundTo(values.length / (windowDays / 7), 2);
    case 'ratio':
      return values.length === 0 ? null : roundTo(values.reduce((a, b) => a + b, 0) / values.length, 4);
    case 'count':
      return values.length;
    case 'sum':
      return values.length === 0
        ? null
        : roundTo(
            values.reduce((a, b) => a + b, 0),
            2,
          );
  }
}
