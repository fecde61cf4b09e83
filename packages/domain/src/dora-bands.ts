/**
 * DORA performance bands (elite, high, medium, low) for the four key metrics, once for the server,
 * the dashboard and docs/METRICS.md.
 *
 * Source: Google Cloud / DORA, "Accelerate State of DevOps Report 2023", the software delivery
 * performance levels table (https://dora.dev/research/2023/dora-report/):
 *
 * | level  | deployment frequency                    | change lead time               | change failure rate | failed deployment recovery time |
 * | elite  | on demand (multiple deploys per day)    | less than one day              | 5 %                 | less than one hour              |
 * | high   | between once per day and once per week  | between one day and one week   | 10 %                | less than one day               |
 * | medium | between once per week and once per month| between one week and one month | 15 %                | between one day and one week    |
 * | low    | between once per week and once per month| between one week and one month | 64 %                | between one month and six months|
 *
 * The report describes clusters of respondents, not cut-offs; the bounds below are our reading of
 * it in this product's units. Where a level's range overlaps the next (low repeats medium's
 * frequency and lead time) the better level wins, so low is what falls below medium: fewer than
 * one deployment a month, lead times over a month, failure rates over 15 %, recoveries over a week.
 */
import type { MetricName } from './metrics.ts';

/** A DORA performance band. */
export type DoraBand = 'elite' | 'high' | 'medium' | 'low';

/** The bands from best to worst. */
export const DORA_BAND_ORDER: readonly DoraBand[] = ['elite', 'high', 'medium', 'low'];

/** The keys that have bands. */
export type DoraKey = Extract<
  MetricName,
  'deploymentsPerWeek' | 'leadTimeHours' | 'changeFailureRate' | 'timeToRestoreHours'
>;

/** One key's bounds: the worst value still in elite, high and medium (anything worse is low). */
export interface DoraThresholds {
  /** `higher`: more is better (deployment frequency); `lower`: less is better. */
  readonly better: 'higher' | 'lower';
  /** Whether a value equal to a bound is in the band (`5 %` is elite; `less than one day` is not 24 h). */
  readonly inclusive: boolean;
  readonly elite: number;
  readonly high: number;
  readonly medium: number;
  /** The report's words for each level, as the dashboard shows them. */
  readonly words: Readonly<Record<DoraBand, string>>;
}

/** Where the thresholds come from, shown next to every band. */
export const DORA_SOURCE = {
  title: 'Accelerate State of DevOps Report 2023 (Google Cloud / DORA)',
  url: 'https://dora.dev/research/2023/dora-report/',
} as const;

/** The thresholds per key, in the metrics' units (deployments per week, hours, ratio). */
export const DORA_THRESHOLDS: Readonly<Record<DoraKey, DoraThresholds>> = {
  deploymentsPerWeek: {
    better: 'higher',
    inclusive: true,
    elite: 7, // at least daily: on demand
    high: 1, // at least weekly
    medium: 12 / 52, // at least monthly
    words: {
      elite: 'on demand (daily or more)',
      high: 'between once per day and once per week',
      medium: 'between once per week and once per month',
      low: 'less than once per month',
    },
  },
  leadTimeHours: {
    better: 'lower',
    inclusive: false,
    elite: 24,
    high: 7 * 24,
    medium: 30 * 24,
    words: {
      elite: 'less than one day',
      high: 'between one day and one week',
      medium: 'between one week and one month',
      low: 'more than one month',
    },
  },
  changeFailureRate: {
    better: 'lower',
    inclusive: true,
    elite: 0.05,
    high: 0.1,
    medium: 0.15,
    words: { elite: '5 % or less', high: '10 % or less', medium: '15 % or less', low: 'more than 15 %' },
  },
  timeToRestoreHours: {
    better: 'lower',
    inclusive: false,
    elite: 1,
    high: 24,
    medium: 7 * 24,
    words: {
      elite: 'less than one hour',
      high: 'less than one day',
      medium: 'between one day and one week',
      low: 'more than one week',
    },
  },
};

/** True for a metric with DORA bands. */
export function isDoraKey(name: string): name is DoraKey {
  return Object.hasOwn(DORA_THRESHOLDS, name);
}

/** The band of a key's value; null when there is no value. */
export function doraBand(key: DoraKey, value: number | null | undefined): DoraBand | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const t = DORA_THRESHOLDS[key];
  const within = (bound: number) =>
    value === bound ? t.inclusive : t.better === 'higher' ? value > bound : value < bound;
  if (within(t.elite)) return 'elite';
  if (within(t.high)) return 'high';
  if (within(t.medium)) return 'medium';
  return 'low';
}
