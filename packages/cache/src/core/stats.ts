/**
 * The one place the cache counts: per-tier read and write counters, per-family counters (with
 * the `family` option), and the cache-wide counters of loads, locks, tags and the bus. Every
 * count is a plain increment; `report()` reads them into `stats()` without scanning anything.
 */
import type { Entry, Ms } from '../types.ts';
import { Families, type FamilyCounters, type FamilyStatsReport, type FamilyTierCounters } from './families.ts';
import type { HistogramSnapshot } from './histogram.ts';
import type { BreakerState, TierOp, TierRuntime } from './tier-runtime.ts';

/** Per-tier statistics. */
export interface TierStatsReport {
  name: string;
  sync: boolean;
  shared: boolean;
  hits: number;
  misses: number;
  staleHits: number;
  /** hits / (hits + misses), 0 when there were no reads. */
  hitRate: number;
  errors: number;
  timeouts: number;
  /** Calls skipped because the breaker was open. */
  skipped: number;
  writes: number;
  writeRefusals: number;
  /** Refresh writes refused by a fence (an invalidation newer than the value's source read). */
  fencedWrites: number;
  /** Invalidations another instance could not apply to this shared tier, applied by this one. */
  mends: number;
  breaker: BreakerState;
  pendingRepairs: number;
  repairs: number;
  entries: number;
  bytes: number | undefined;
  evictions: number;
  corrupt: number;
  compressed: { count: number; rawBytes: number; storedBytes: number; ratio: number } | undefined;
  timings: Partial<Record<TierOp, HistogramSnapshot>>;
}

/** Statistics of the whole cache, read from counters (nothing is scanned). */
export interface CacheStats {
  tiers: TierStatsReport[];
  getOrSet: {
    calls: number;
    staleServes: number;
    graceServes: number;
    factoryCalls: number;
    factoryErrors: number;
    factoryTimeouts: number;
    singleFlightJoins: number;
    lockWaits: number;
    lockTakeovers: number;
    /** Lock calls that failed (the value was computed without the lock). */
    lockErrors: number;
    /** Background refreshes started by refresh-ahead (one per key). */
    refreshAheads: number;
    /** `getOrSetMany` calls, their `loadMany` calls, and the keys those loaded. */
    manyCalls: number;
    batchLoads: number;
    batchLoadedKeys: number;
  };
  tags: { invalidations: number };
  bus: {
    published: number;
    received: number;
    errors: number;
    gaps: number;
    /** Whether the bus delivers invalidations now (true without a bus). */
    healthy: boolean;
    /** Times the bus went down (local copies distrusted until it was back). */
    downs: number;
  };
  /** Per key family (the `family` option), by family name; empty without the option. */
  families: Record<string, FamilyStatsReport>;
}

/** The cache-wide counters (loads, locks, tags, bus), in the shape `stats()` reports them. */
export function cacheCounters() {
  return {
    getOrSet: {
      calls: 0,
      staleServes: 0,
      graceServes: 0,
      factoryCalls: 0,
      factoryErrors: 0,
      factoryTimeouts: 0,
      singleFlightJoins: 0,
      lockWaits: 0,
      lockTakeovers: 0,
      lockErrors: 0,
      refreshAheads: 0,
      manyCalls: 0,
      batchLoads: 0,
      batchLoadedKeys: 0,
    },
    tags: { invalidations: 0 },
    bus: { published: 0, received: 0, errors: 0, gaps: 0, downs: 0 },
  };
}

/** The counters {@link cacheCounters} makes. */
export type CacheCounters = ReturnType<typeof cacheCounters>;

/** See the file comment. */
export class StatsRecorder {
  readonly counters: CacheCounters = cacheCounters();
  /** Per-family counters; `undefined` without the `family` option. */
  readonly families: Families | undefined;

  constructor(family: ((key: string) => string) | undefined, tierCount: number) {
    this.families = family ? new Families(family, tierCount) : undefined;
  }

  /** The family counters of `key` (`undefined` without families). */
  familyOf(key: string): FamilyCounters | undefined {
    return this.families?.of(key);
  }

  /** A fresh value read from `rt`; `family` is the key's family, if counted. */
  hit(rt: TierRuntime, family: FamilyCounters | undefined): void {
    rt.hits++;
    if (family !== undefined) family.tiers[rt.index]!.hits++;
  }

  /** The first tier's hit on the fast path, with the family's first-tier counters at hand. */
  firstHit(rt: TierRuntime, key: string, family: FamilyTierCounters | undefined): void {
    rt.hits++;
    if (this.families !== undefined) (family ?? this.families.of(key).tiers[0]!).hits++;
  }

  /** Nothing usable in `rt`. */
  miss(rt: TierRuntime, family: FamilyCounters | undefined): void {
    rt.misses++;
    if (family !== undefined) family.tiers[rt.index]!.misses++;
  }

  /** A value past its freshness (within grace) in `rt`. */
  stale(rt: TierRuntime, family: FamilyCounters | undefined): void {
    rt.staleHits++;
    if (family !== undefined) family.tiers[rt.index]!.staleHits++;
  }

  /** Counts a read of `entry` (`undefined`: a miss) at `now` in `rt`. */
  read(rt: TierRuntime, family: FamilyCounters | undefined, entry: Entry | undefined, now: Ms): void {
    if (entry === undefined) this.miss(rt, family);
    else if (now < entry.expiresAt) this.hit(rt, family);
    else this.stale(rt, family);
  }

  /** A family's read time in an asynchronous tier. */
  readTime(rt: TierRuntime, family: FamilyCounters | undefined, ms: number): void {
    if (family !== undefined) family.tiers[rt.index]!.readTime.record(ms);
  }

  /** A read that found no fresh value in any tier. */
  familyMiss(family: FamilyCounters | undefined): void {
    if (family !== undefined) family.misses++;
  }

  /** A write of `bytes` (estimated; 0 without families) for `key` to `rt`, as the family sees it. */
  familyWrite(rt: TierRuntime, key: string, bytes: number): void {
    if (this.families === undefined) return;
    const counters = this.families.of(key).tiers[rt.index]!;
    counters.writes++;
    counters.bytesWritten += bytes;
  }

  /** A tier evicted `key` to make room. */
  evicted(index: number, key: string): void {
    if (this.families !== undefined) this.families.of(key).tiers[index]!.evictions++;
  }

  /** A tier call on `keys` failed: one error per family involved. */
  keysFailed(index: number, keys: readonly string[]): void {
    const families = this.families;
    if (families === undefined) return;
    const seen = new Set<FamilyCounters>();
    for (const key of keys) {
      const family = families.of(key);
      if (seen.has(family)) continue;
      seen.add(family);
      family.tiers[index]!.errors++;
    }
  }

  /** A stale value served for `key`: while a refresh runs, or (`grace`) because the load failed. */
  staleServed(key: string, grace = false): void {
    if (grace) this.counters.getOrSet.graceServes++;
    else this.counters.getOrSet.staleServes++;
    if (this.families !== undefined) this.families.of(key).staleServes++;
  }

  /** What `stats()` returns. */
  report(runtimes: readonly TierRuntime[], busHealthy: boolean): CacheStats {
    const c = this.counters;
    return {
      tiers: runtimes.map(tierReport),
      getOrSet: { ...c.getOrSet },
      tags: { ...c.tags },
      bus: { ...c.bus, healthy: busHealthy },
      families: this.families?.report(runtimes.map((rt) => rt.tier.name)) ?? {},
    };
  }
}

function tierReport(rt: TierRuntime): TierStatsReport {
  const own = rt.tier.stats();
  const reads = rt.hits + rt.misses;
  return {
    name: rt.tier.name,
    sync: rt.tier.sync,
    shared: rt.tier.shared,
    hits: rt.hits,
    misses: rt.misses,
    staleHits: rt.staleHits,
    hitRate: reads === 0 ? 0 : rt.hits / reads,
    errors: rt.errors,
    timeouts: rt.timeouts,
    skipped: rt.skipped,
    writes: rt.writes,
    writeRefusals: rt.writeRefusals,
    fencedWrites: rt.fencedWrites,
    mends: rt.mends,
    breaker: rt.breaker,
    pendingRepairs: rt.pendingRepairs,
    repairs: rt.repairs,
    entries: own.entries,
    bytes: own.bytes,
    evictions: own.evictions,
    corrupt: own.corrupt,
    compressed: own.compressed && {
      ...own.compressed,
      ratio: own.compressed.storedBytes === 0 ? 1 : own.compressed.rawBytes / own.compressed.storedBytes,
    },
    timings: rt.timingSnapshot(),
  };
}
