/**
 * The cache monitor's samples and alerts. Counters are cumulative, so the hit rate over time is
 * computed per interval between two samples (hits / reads in that interval). Samples live in
 * memory for the session, so leaving the monitor and coming back keeps its history.
 */

import type { ServerCacheStats } from '@agiletrack/domain';
import type { BrowserCacheStats } from './browser-cache.ts';

/** How often the monitor polls. */
export const MONITOR_POLL_MS = 3_000;
const MAX_SAMPLES = 120;

/** What is kept of one tier per sample. */
export interface TierSample {
  readonly hits: number;
  readonly misses: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly breaker: string;
}

/** One poll. */
export interface Sample {
  readonly at: number;
  /** Server tiers by name; absent when the user may not see them or the call failed. */
  readonly server: Readonly<Record<string, TierSample>> | undefined;
  /** Browser tiers by name. */
  readonly browser: Readonly<Record<string, TierSample>>;
  readonly quotaFailures: number;
  readonly storageErrors: number;
  readonly storageAvailable: boolean;
}

const samples: Sample[] = [];

const pick = (tier: TierSample): TierSample => ({
  hits: tier.hits,
  misses: tier.misses,
  errors: tier.errors,
  timeouts: tier.timeouts,
  breaker: tier.breaker,
});

/** The browser's tiers, named for people. */
export function browserTiers(stats: BrowserCacheStats) {
  return [...stats.persistent.tiers, ...stats.session.tiers];
}

/** Records a poll; returns every sample, oldest first. */
export function recordSample(
  at: number,
  browser: BrowserCacheStats,
  server: ServerCacheStats | undefined,
): readonly Sample[] {
  samples.push({
    at,
    server: server && Object.fromEntries(server.cache.tiers.map((tier) => [tier.name, pick(tier)])),
    browser: Object.fromEntries(browserTiers(browser).map((tier) => [tier.name, pick(tier)])),
    quotaFailures: browser.localStorage.quotaFailures,
    storageErrors: browser.localStorage.storageErrors,
    storageAvailable: browser.localStorage.available,
  });
  if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
  return [...samples];
}

/** The samples so far. */
export function currentSamples(): readonly Sample[] {
  return [...samples];
}

/** Hit rate of `tier` between two samples, or null when it had no reads then. */
export function intervalHitRate(before: TierSample | undefined, after: TierSample | undefined): number | null {
  if (before === undefined || after === undefined) return null;
  const hits = after.hits - before.hits;
  const reads = hits + (after.misses - before.misses);
  return reads <= 0 || hits < 0 ? null : hits / reads;
}

/** Hit rate per interval of each tier, for a chart: times and one series per tier. */
export function hitRateSeries(all: readonly Sample[], side: 'server' | 'browser') {
  const names = [...new Set(all.flatMap((s) => Object.keys(s[side] ?? {})))];
  const times: number[] = [];
  const values = names.map(() => [] as (number | null)[]);
  for (let i = 1; i < all.length; i++) {
    const before = all[i - 1]![side];
    const after = all[i]![side];
    times.push(all[i]!.at);
    names.forEach((name, n) => {
      values[n]!.push(intervalHitRate(before?.[name], after?.[name]));
    });
  }
  return { times, series: names.map((label, n) => ({ label, values: values[n]! })) };
}

/** An alert shown on the monitor. */
export interface Alert {
  readonly level: 'warning' | 'critical';
  readonly text: string;
}

// Below this many reads in an interval, a hit rate says nothing.
const MIN_READS = 10;
const LOW_HIT_RATE = 0.5;
const DROP = 0.25;

/** Alerts from the newest samples: hit rate drops, tier errors, open breakers, storage trouble. */
export function alertsOf(all: readonly Sample[]): Alert[] {
  const alerts: Alert[] = [];
  const last = all[all.length - 1];
  if (last === undefined) return alerts;
  const previous = all[all.length - 2];
  for (const side of ['server', 'browser'] as const) {
    const where = side === 'server' ? 'Server' : 'Browser';
    for (const [name, tier] of Object.entries(last[side] ?? {})) {
      if (tier.breaker !== 'closed') {
        alerts.push({
          level: 'critical',
          text: `${where} tier ${name}: circuit breaker ${tier.breaker}, the tier is being skipped`,
        });
      }
      const before = previous?.[side]?.[name];
      if (before) {
        const errors = tier.errors - before.errors + (tier.timeouts - before.timeouts);
        if (errors > 0)
          alerts.push({
            level: 'warning',
            text: `${where} tier ${name}: ${errors} errors or timeouts in the last interval`,
          });
        const reads = tier.hits - before.hits + (tier.misses - before.misses);
        const rate = intervalHitRate(before, tier);
        if (rate !== null && reads >= MIN_READS) {
          const history = all
            .slice(0, -1)
            .map((sample, i) => (i === 0 ? null : intervalHitRate(all[i - 1]![side]?.[name], sample[side]?.[name])))
            .filter((value): value is number => value !== null);
          const usual = history.length === 0 ? null : history.reduce((a, b) => a + b, 0) / history.length;
          if (rate < LOW_HIT_RATE || (usual !== null && usual - rate >= DROP)) {
            alerts.push({
              level: 'warning',
              text: `${where} tier ${name}: hit rate dropped to ${(rate * 100).toFixed(0)} %${
                usual === null ? '' : ` (usually ${(usual * 100).toFixed(0)} %)`
              } over ${reads} reads`,
            });
          }
        }
      }
    }
  }
  if (!last.storageAvailable)
    alerts.push({
      level: 'critical',
      text: 'localStorage is unavailable: the browser cache keeps data in memory only',
    });
  if (last.quotaFailures > 0) {
    alerts.push({
      level: 'warning',
      text: `localStorage is full: ${last.quotaFailures} writes were dropped (pages still work from memory and the server)`,
    });
  }
  if (last.storageErrors > 0)
    alerts.push({ level: 'warning', text: `localStorage threw ${last.storageErrors} errors` });
  return alerts;
}
