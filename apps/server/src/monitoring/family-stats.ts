/**
 * Per-family counters of one instance, cumulative since start, read from the cache's own
 * per-family statistics (the `family` option): reads, loads and their time, errors. Analytics,
 * Prometheus and alerts take snapshots; nothing here runs on the cache's hot path.
 */
import type { Cache } from '@agiletrack/cache';
import { CACHE_FAMILIES, type CacheFamily } from '@agiletrack/domain';

/** Cumulative counters of one family. */
export interface FamilyCounts {
  /** Reads answered with a fresh value. */
  hits: number;
  /** Reads with no fresh value in any tier. */
  misses: number;
  /** Stale values served (stale-while-revalidate and grace). */
  staleServes: number;
  loads: number;
  /** Total load time, ms. */
  loadMs: number;
  loadErrors: number;
  /** Tier errors on the family's keys. */
  errors: number;
  bytesWritten: number;
  /** Load times: `[upperBoundMs, count]` of non-empty buckets (not cumulative). */
  loadBuckets: readonly [number, number][];
}

const zero = (): FamilyCounts => ({
  hits: 0,
  misses: 0,
  staleServes: 0,
  loads: 0,
  loadMs: 0,
  loadErrors: 0,
  errors: 0,
  bytesWritten: 0,
  loadBuckets: [],
});

const KNOWN: ReadonlySet<string> = new Set(CACHE_FAMILIES);

/** Every family's counters now (zeros for families not seen yet). */
export function familySnapshot(cache: Cache): Record<CacheFamily, FamilyCounts> {
  const out = {} as Record<CacheFamily, FamilyCounts>;
  for (const family of CACHE_FAMILIES) out[family] = zero();
  for (const [name, report] of Object.entries(cache.stats().families)) {
    const family = (KNOWN.has(name) ? name : 'other') as CacheFamily;
    const into = out[family];
    into.hits += report.hits;
    into.misses += report.misses;
    into.staleServes += report.staleServes;
    into.loads += report.loads;
    into.loadMs += report.loadTime.sumMs;
    into.loadErrors += report.loadErrors;
    into.errors += report.errors;
    into.bytesWritten += report.bytesWritten;
    into.loadBuckets = [...into.loadBuckets, ...report.loadTime.buckets];
  }
  return out;
}
