import { describe, expect, it } from 'vitest';
import { type CacheOperationEvent, createCache } from './cache.ts';
import { createFakeClock } from './clock.ts';
import { faultyTier } from './testing/faulty-tier.ts';
import { memoryTier } from './tiers/memory.ts';

// `team_12_metrics` → `team_metrics`, `integration_3` → `integration`.
const family = (key: string) => key.replace(/_\d+/g, '');

function make(options: Partial<Parameters<typeof createCache>[0]> = {}, maxEntries = 1_000) {
  const clock = createFakeClock();
  const l2 = faultyTier(memoryTier({ name: 'inner', serialize: true }), 'l2');
  const cache = createCache({
    tiers: [memoryTier({ maxEntries }), l2],
    clock,
    sweepInterval: 0,
    family,
    ...options,
  });
  return { cache, clock, l2 };
}

describe('key families', () => {
  it('counts hits, misses, loads, stale serves, errors, bytes and evictions per family and per tier', async () => {
    const { cache, clock, l2 } = make({ ttl: 1_000, grace: 60_000 }, 3);
    await cache.getOrSet('team_1_metrics', () => ({ cycleTime: 3 })); // miss in both tiers, one load
    await cache.getOrSet('team_1_metrics', () => 'unused'); // L1 hit
    await cache.getOrSet('team_2_metrics', () => ({ cycleTime: 4 }));
    expect(await cache.get('integration_3')).toBeUndefined();
    await cache.getOrSetMany(['integration_3', 'integration_4'], async (keys) => keys.map((k) => k.length));
    clock.advance(2_000);
    expect(await cache.getOrSet('team_2_metrics', () => ({ cycleTime: 5 }))).toEqual({ cycleTime: 4 }); // stale
    l2.controls.mode = 'fail';
    await cache.get('team_9_metrics');

    const { families } = cache.stats();
    expect(Object.keys(families).sort()).toEqual(['integration', 'team_metrics']);
    const team = families.team_metrics!;
    expect(team).toMatchObject({ hits: 1, misses: 4, staleServes: 1, loads: 3, loadErrors: 0, errors: 1 });
    expect(team.loadTime.count).toBe(3);
    expect(team.tiers.memory).toMatchObject({ hits: 1, misses: 3, staleHits: 1, writes: 3 });
    expect(team.tiers.l2).toMatchObject({ hits: 0, misses: 3, staleHits: 1, errors: 1, writes: 3 });
    expect(team.tiers.l2!.readTime.count).toBe(4);
    expect(team.bytesWritten).toBeGreaterThan(0);
    const integration = families.integration!;
    expect(integration).toMatchObject({ hits: 0, misses: 3, loads: 2 });
    // Four keys were written into a three-entry L1: the oldest (a team key) was evicted.
    expect(team.evictions + integration.evictions).toBe(cache.stats().tiers[0]!.evictions);
    expect(team.tiers.memory!.evictions).toBeGreaterThan(0);
  });

  it('has no families without the option', async () => {
    const cache = createCache({ tiers: [memoryTier()], sweepInterval: 0 });
    await cache.getOrSet('team_1_metrics', () => 1);
    expect(cache.stats().families).toEqual({});
  });

  it('emits one operation event per key with family, tier, outcome and duration while someone listens', async () => {
    const { cache } = make();
    await cache.set('team_0', 'before'); // nobody listens: no event is built
    const events: CacheOperationEvent[] = [];
    const stop = cache.on('operation', (event) => events.push(event));
    await cache.getOrSet('team_1_metrics', () => 'loaded');
    await cache.getOrSet('team_1_metrics', () => 'unused');
    await cache.get('integration_7');
    await cache.set('integration_7', 'v');
    await cache.getOrSetMany(['integration_7', 'integration_8'], async (keys) => keys);
    await cache.delete('team_1_metrics');
    await expect(cache.getOrSet('team_2_metrics', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    stop();
    await cache.get('team_1_metrics');

    const seen = events.map(({ op, key, family, tier, outcome }) => ({ op, key, family, tier, outcome }));
    expect(seen).toEqual([
      { op: 'getOrSet', key: 'team_1_metrics', family: 'team_metrics', tier: 'origin', outcome: 'miss' },
      { op: 'getOrSet', key: 'team_1_metrics', family: 'team_metrics', tier: 'memory', outcome: 'hit' },
      { op: 'get', key: 'integration_7', family: 'integration', tier: undefined, outcome: 'miss' },
      { op: 'set', key: 'integration_7', family: 'integration', tier: undefined, outcome: 'write' },
      { op: 'getOrSetMany', key: 'integration_7', family: 'integration', tier: 'memory', outcome: 'hit' },
      { op: 'getOrSetMany', key: 'integration_8', family: 'integration', tier: 'origin', outcome: 'miss' },
      { op: 'delete', key: 'team_1_metrics', family: 'team_metrics', tier: undefined, outcome: 'delete' },
      { op: 'getOrSet', key: 'team_2_metrics', family: 'team_metrics', tier: undefined, outcome: 'error' },
    ]);
    for (const event of events) expect(event.ms).toBeGreaterThanOrEqual(0);
  });
});
