/**
 * The Prometheus registry: process metrics, per-tier cache counters and latency histograms,
 * per-family operation counters and load-time histograms, the bus, Redis memory and alerts.
 * Counters end in `_total`; labels are `tier`, `op`, `family`, `outcome` and `rule`, each from a
 * closed set, so the series count stays bounded whatever keys the cache sees.
 */
import { Counter, collectDefaultMetrics, Gauge, type Registry } from 'prom-client';
import type { ServerCache } from '../cache/server-cache.ts';
import { ALERT_RULES } from './alerts.ts';
import { familySnapshot } from './family-stats.ts';
import type { CacheOps } from './ops.ts';
import type { RedisInfo } from './redis-info.ts';

type TierStats = ReturnType<ServerCache['cache']['stats']>['tiers'][number];

// Subset of the library's fixed latency buckets, in ms: cumulative counts are exact at each.
const LOAD_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];
const TIER_BUCKETS_MS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 5_000];

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** A histogram whose buckets are read from elsewhere at scrape time (prom-client cannot set one). */
function externalHistogram(registry: Registry, name: string, help: string, read: () => Sample[]): void {
  registry.registerMetric({
    name,
    help,
    type: 'histogram',
    get: async () => ({ name, help, type: 'histogram', values: read(), aggregator: 'sum' }),
    reset: () => {},
  } as never);
}

/** Samples of one histogram series from non-cumulative `[upperBound, count]` pairs. */
function histogramSamples(
  name: string,
  labels: Record<string, string>,
  pairs: readonly [number, number][],
  bounds: readonly number[],
  scale: number,
  sum: number,
): Sample[] {
  const out: Sample[] = [];
  let total = 0;
  for (const [, count] of pairs) total += count;
  for (const bound of bounds) {
    let cumulative = 0;
    for (const [upper, count] of pairs) if (upper <= bound) cumulative += count;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bound * scale }, value: cumulative });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: total });
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: total });
  return out;
}

/** Registers every AgileTrack metric on `registry`. */
export function registerMetrics(registry: Registry, serverCache: ServerCache, ops: CacheOps): void {
  collectDefaultMetrics({ register: registry, prefix: 'agiletrack_' });
  // Gauges named `_total` by prom-client; promtool rejects them, and the unsuffixed ones remain.
  for (const kind of ['handles', 'requests', 'resources']) {
    registry.removeSingleMetric(`agiletrack_nodejs_active_${kind}_total`);
  }
  const cache = serverCache.cache;
  const registers = [registry];

  const tierCounter = (name: string, help: string, pick: (t: TierStats) => number) =>
    new Counter({
      name: `agiletrack_cache_${name}_total`,
      help,
      labelNames: ['tier'],
      registers,
      collect() {
        this.reset();
        for (const tier of cache.stats().tiers) this.inc({ tier: tier.name }, pick(tier));
      },
    });
  const tierGauge = (name: string, help: string, pick: (t: TierStats) => number | undefined) =>
    new Gauge({
      name: `agiletrack_cache_${name}`,
      help,
      labelNames: ['tier'],
      registers,
      collect() {
        for (const tier of cache.stats().tiers) this.set({ tier: tier.name }, pick(tier) ?? 0);
      },
    });
  tierCounter('hits', 'Reads answered by this tier', (t) => t.hits);
  tierCounter('misses', 'Reads this tier could not answer', (t) => t.misses);
  tierCounter('stale_hits', 'Stale entries found in this tier', (t) => t.staleHits);
  tierCounter('errors', 'Failed calls to this tier', (t) => t.errors);
  tierCounter('timeouts', 'Calls past the tier deadline', (t) => t.timeouts);
  tierCounter('writes', 'Entries written to this tier', (t) => t.writes);
  tierCounter('evictions', 'Entries evicted to make room', (t) => t.evictions);
  tierGauge('entries', 'Entries held (this instance; Redis: this instance writes minus deletes)', (t) => t.entries);
  tierGauge('bytes', 'Bytes held, as the tier measures them', (t) => t.bytes);
  tierGauge('breaker_open', '1 while the circuit breaker skips this tier', (t) => (t.breaker === 'closed' ? 0 : 1));

  externalHistogram(
    registry,
    'agiletrack_cache_tier_duration_seconds',
    'Duration of tier calls (sampled), by tier and operation',
    () =>
      cache
        .stats()
        .tiers.flatMap((tier) =>
          Object.entries(tier.timings).flatMap(([op, snapshot]) =>
            snapshot
              ? histogramSamples(
                  'agiletrack_cache_tier_duration_seconds',
                  { tier: tier.name, op },
                  snapshot.buckets,
                  TIER_BUCKETS_MS,
                  1 / 1_000,
                  snapshot.sumMs / 1_000,
                )
              : [],
          ),
        ),
  );

  new Counter({
    name: 'agiletrack_cache_family_operations_total',
    help: 'Cache reads and loads by key family and outcome (hit: fresh; miss: no fresh value)',
    labelNames: ['family', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const [family, c] of Object.entries(familySnapshot(cache))) {
        this.inc({ family, outcome: 'hit' }, c.hits);
        this.inc({ family, outcome: 'miss' }, c.misses);
        this.inc({ family, outcome: 'stale' }, c.staleServes);
        this.inc({ family, outcome: 'load' }, c.loads);
        this.inc({ family, outcome: 'error' }, c.loadErrors + c.errors);
      }
    },
  });
  externalHistogram(
    registry,
    'agiletrack_cache_load_duration_seconds',
    'Time to load a value from its source on a miss, by key family',
    () =>
      Object.entries(familySnapshot(cache)).flatMap(([family, c]) =>
        histogramSamples(
          'agiletrack_cache_load_duration_seconds',
          { family },
          c.loadBuckets,
          LOAD_BUCKETS_MS,
          1 / 1_000,
          c.loadMs / 1_000,
        ),
      ),
  );

  const getOrSet = (name: string, help: string, pick: (s: ReturnType<typeof cache.stats>) => number) =>
    new Counter({
      name: `agiletrack_cache_${name}_total`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(pick(cache.stats()));
      },
    });
  getOrSet('factory_calls', 'getOrSet factory calls (origin reads)', (s) => s.getOrSet.factoryCalls);
  getOrSet('factory_errors', 'getOrSet factory failures', (s) => s.getOrSet.factoryErrors);
  getOrSet('stale_serves', 'Stale values served while refreshing', (s) => s.getOrSet.staleServes);
  getOrSet('grace_serves', 'Values served past freshness because the source failed', (s) => s.getOrSet.graceServes);
  getOrSet('bus_published', 'Invalidations published on the bus', (s) => s.bus.published);
  getOrSet('bus_received', 'Invalidations received from other instances', (s) => s.bus.received);
  getOrSet('bus_errors', 'Bus publish or subscribe failures', (s) => s.bus.errors);
  getOrSet('bus_gaps', 'Bus reconnects after which local tiers were dropped', (s) => s.bus.gaps);

  new Gauge({
    name: 'agiletrack_cache_monitor_watchers',
    help: 'Live monitor streams open on this instance',
    registers,
    collect() {
      this.set(ops.monitor.stats().watchers);
    },
  });
  new Counter({
    name: 'agiletrack_browser_quota_failures_total',
    help: 'localStorage writes refused for quota, as reported by dashboards',
    registers,
    collect() {
      this.reset();
      this.inc(ops.clientReports.quotaFailures);
    },
  });
  new Gauge({
    name: 'agiletrack_alerts_firing',
    help: 'Server alerts firing on this instance, by rule',
    labelNames: ['rule'],
    registers,
    collect() {
      this.reset();
      for (const rule of ALERT_RULES) this.set({ rule }, 0);
      for (const alert of ops.alerts.list().firing) this.inc({ rule: alert.rule });
    },
  });

  const info = ops.redisInfo;
  if (info) {
    const redisGauge = (name: string, help: string, pick: (i: RedisInfo) => number) =>
      new Gauge({
        name: `agiletrack_redis_${name}`,
        help,
        registers,
        async collect() {
          const read = await info.read().catch(() => undefined);
          if (read) this.set(pick(read));
        },
      });
    redisGauge('used_memory_bytes', 'Memory Redis uses (INFO memory)', (i) => i.usedMemory);
    redisGauge('maxmemory_bytes', 'Redis maxmemory (0: no limit)', (i) => i.maxMemory);
    new Counter({
      name: 'agiletrack_redis_evicted_keys_total',
      help: 'Keys Redis evicted for maxmemory (INFO stats)',
      registers,
      async collect() {
        const read = await info.read().catch(() => undefined);
        if (read) {
          this.reset();
          this.inc(read.evictedKeys);
        }
      },
    });
  }
}
