/**
 * Rolls integrations' daily history points up to a team's, like with like (rules in `METRICS` of
 * @agiletrack/domain, prose in docs/METRICS.md): rates and counts add up, durations are the
 * integrations' values weighted by their sample counts, ratios are recomputed from the summed
 * counts. Only the history uses it (its daily lists are not stored); a team's cards are computed
 * over the union of its integrations' items (`metrics/samples.ts`).
 */
import { METRIC_NAMES, METRICS, type MetricRollup } from '@agiletrack/domain';

type Values = Readonly<Record<string, number | null>>;

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function combine(rule: MetricRollup, name: string, list: readonly Values[]): number | null {
  const numbers = (key: string) => list.map((m) => m[key]).filter((v): v is number => typeof v === 'number');
  switch (rule.kind) {
    case 'sum': {
      const values = numbers(name);
      return values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0));
    }
    case 'weighted': {
      let total = 0;
      let weight = 0;
      for (const m of list) {
        const value = m[name];
        const w = m[rule.weight];
        if (typeof value === 'number' && typeof w === 'number' && w > 0) {
          total += value * w;
          weight += w;
        }
      }
      return weight === 0 ? null : round(total / weight);
    }
    case 'ratio': {
      const denominator = numbers(rule.denominator).reduce((a, b) => a + b, 0);
      const numerator = numbers(rule.numerator).reduce((a, b) => a + b, 0);
      return denominator === 0 ? null : round(numerator / denominator, 4);
    }
  }
}

/** Combines per-integration metrics into a team's. A metric no integration has is left out. */
export function rollupMetrics(list: readonly (Values | null)[]): Record<string, number | null> {
  const present = list.filter((m): m is Values => m !== null);
  const out: Record<string, number | null> = {};
  for (const name of METRIC_NAMES) {
    const rule: MetricRollup = METRICS[name].rollup;
    const from = rule.kind === 'ratio' ? rule.denominator : name;
    if (!present.some((m) => from in m)) continue;
    out[name] = combine(rule, name, present);
  }
  return out;
}
