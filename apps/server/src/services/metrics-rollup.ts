/**
 * Rolls integration metrics up to a team (definitions in docs/METRICS.md): rates and counts add
 * up across integrations; durations are the mean of the integrations' medians.
 */

/** Metrics that add up across integrations. */
export const SUMMED_METRICS = ['throughputPerWeek', 'deploymentsPerWeek', 'sprintVelocity', 'workInProgress'] as const;

/** Metrics that are durations (hours); averaged across integrations. */
export const AVERAGED_METRICS = [
  'cycleTimeHours',
  'leadTimeHours',
  'prMergeTimeHours',
  'reviewTurnaroundHours',
] as const;

/** Combines per-integration metrics into a team's. Missing values stay `null`. */
export function rollupMetrics(list: readonly (Record<string, number | null> | null)[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const name of SUMMED_METRICS) {
    const values = list.map((m) => m?.[name]).filter((v): v is number => typeof v === 'number');
    out[name] = values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0));
  }
  for (const name of AVERAGED_METRICS) {
    const values = list.map((m) => m?.[name]).filter((v): v is number => typeof v === 'number');
    out[name] = values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0) / values.length);
  }
  return out;
}

const round = (value: number) => Math.round(value * 100) / 100;
