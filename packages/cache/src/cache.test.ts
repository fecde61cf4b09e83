import { channel } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { createCache, DIAGNOSTICS_CHANNEL, minutes } from './cache.ts';
import { createFakeClock } from './clock.ts';
import type { CacheEvent } from './core/events.ts';
import { CacheEntryTooLargeError, CacheKeyError, CacheNamespaceError, CacheOptionsError } from './errors.ts';
import { faultyTier } from './testing/faulty-tier.ts';
import { memoryTier } from './tiers/memory.ts';

const make = (options: Partial<Parameters<typeof createCache>[0]> = {}) => {
  const clock = createFakeClock();
  const cache = createCache({ tiers: [memoryTier()], clock, sweepInterval: 0, ...options });
  return { cache, clock };
};

describe('cache basics', () => {
  it('sets, gets, has and deletes', async () => {
    const { cache } = make();
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', { n: 1 });
    expect(await cache.get('k')).toEqual({ n: 1 });
    expect(await cache.has('k')).toBe(true);
    await cache.delete('k');
    expect(await cache.has('k')).toBe(false);
  });

  it('stores null but not undefined', async () => {
    const { cache } = make();
    await cache.set('null', null);
    expect(await cache.has('null')).toBe(true);
    await cache.set('null', undefined);
    expect(await cache.has('null')).toBe(false);
  });

  it('expires at the ttl, not a millisecond later (fake clock)', async () => {
    const { cache, clock } = make({ ttl: 1_000 });
    await cache.set('k', 'v');
    clock.advance(999);
    expect(await cache.get('k')).toBe('v');
    clock.advance(1);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('returns the stored object on an L1 hit, frozen so callers cannot corrupt it', async () => {
    const { cache } = make();
    const value = { team: { name: 'A', members: ['x'] } };
    await cache.set('k', value);
    const got = await cache.get<typeof value>('k');
    expect(got).toBe(value);
    expect(() => {
      got!.team.members.push('y');
    }).toThrow(TypeError);
    expect((await cache.get<typeof value>('k'))!.team.members).toEqual(['x']);
  });

  it('has a synchronous read path for synchronous tiers', async () => {
    const { cache } = make();
    await cache.set('k', 42);
    expect(cache.getSync('k')).toBe(42);
    expect(cache.getSync('missing')).toBeUndefined();
  });

  it('counts a synchronous first attempt only when it serves the value', async () => {
    const { cache } = make();
    await cache.set('k', 42);
    const before = cache.stats().tiers[0]!;
    expect(cache.getSync('missing', { countMiss: false })).toBeUndefined();
    expect(cache.stats().tiers[0]!.misses).toBe(before.misses);
    expect(cache.getSync('k', { countMiss: false })).toBe(42);
    expect(cache.stats().tiers[0]!.hits).toBe(before.hits + 1);
    expect(cache.getSync('missing')).toBeUndefined();
    expect(cache.stats().tiers[0]!.misses).toBe(before.misses + 1);
  });

  it('reads and writes in batches', async () => {
    const { cache } = make();
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 10 },
    ]);
    expect(await cache.getMany(['a', 'x', 'b'])).toEqual([1, undefined, 2]);
    await cache.deleteMany(['a', 'b']);
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined]);
  });
});

describe('keys and namespaces', () => {
  it.each([
    ['', /must not be empty/],
    ['x'.repeat(513), /longer than the limit of 512/],
    ['bad\nkey', /control character/],
    ['nul\u0000', /control character/],
    ['a:b', /reserved as the namespace separator/],
  ])('rejects key %j with E_CACHE_KEY_INVALID', async (key, message) => {
    const { cache } = make();
    await expect(cache.get(key)).rejects.toThrow(message);
    expect(() => cache.getSync(key)).toThrow(CacheKeyError);
    await expect(cache.set(key, 1)).rejects.toMatchObject({ code: 'E_CACHE_KEY_INVALID' });
    await expect(cache.getOrSet(key, () => 1)).rejects.toMatchObject({ code: 'E_CACHE_KEY_INVALID' });
  });

  it('rejects a non-string key', async () => {
    const { cache } = make();
    await expect(cache.get(12 as unknown as string)).rejects.toThrow(/must be a string/);
  });

  it('isolates namespaces and clears one alone', async () => {
    const { cache } = make();
    const a = cache.namespace('tenant_1');
    const b = cache.namespace('tenant_2');
    await a.set('teams', 'A');
    await b.set('teams', 'B');
    await cache.set('teams', 'root');
    expect([await a.get('teams'), await b.get('teams'), await cache.get('teams')]).toEqual(['A', 'B', 'root']);
    await a.clear();
    expect([await a.get('teams'), await b.get('teams'), await cache.get('teams')]).toEqual([undefined, 'B', 'root']);
    expect(await b.keys()).toEqual(['teams']);
  });

  it('cannot be made to collide across namespaces', () => {
    const { cache } = make();
    expect(() => cache.namespace('a:b')).toThrow(CacheNamespaceError);
    expect(() => cache.namespace('')).toThrow(CacheNamespaceError);
    // "a" + "b:c" would equal "a:b" + "c"; both halves are refused.
    expect(() => cache.namespace('a').getSync('b:c')).toThrow(CacheKeyError);
  });

  it('clears by prefix', async () => {
    const { cache } = make();
    await cache.setMany(['team_1', 'team_1_metrics', 'team_2', 'teams'].map((key) => ({ key, value: key })));
    await cache.clear('team_1');
    expect((await cache.keys()).sort()).toEqual(['team_2', 'teams']);
  });
});

describe('tags', () => {
  it('makes every tagged entry a miss at once, and leaves others', async () => {
    const { cache } = make();
    await cache.set('team_1', 1, { tags: ['team:1'] });
    await cache.set('team_1_metrics', 2, { tags: ['team:1', 'table:metrics'] });
    await cache.set('team_2', 3, { tags: ['team:2'] });
    await cache.invalidateTags(['team:1']);
    expect(await cache.getMany(['team_1', 'team_1_metrics', 'team_2'])).toEqual([undefined, undefined, 3]);
  });

  it('keeps entries written after the invalidation, even within the same millisecond', async () => {
    const { cache } = make();
    await cache.set('k', 'old', { tags: ['t'] });
    await cache.invalidateTags(['t']);
    await cache.set('k', 'new', { tags: ['t'] });
    expect(await cache.get('k')).toBe('new');
  });

  it('validates tags', async () => {
    const { cache } = make();
    await expect(cache.set('k', 1, { tags: ['ok:1', 'bad\n'] })).rejects.toThrow(CacheKeyError);
  });
});

describe('bounds', () => {
  it('refuses an entry above maxEntrySize with a coded error and keeps no old copy', async () => {
    const { cache } = make({ tiers: [memoryTier({ maxBytes: 100_000, maxEntrySize: 1_000 })] });
    await cache.set('k', 'small');
    const error = await cache.set('k', 'x'.repeat(5_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheEntryTooLargeError);
    expect(error).toMatchObject({ code: 'E_CACHE_ENTRY_TOO_LARGE', key: 'k', limit: 1_000 });
    expect(await cache.get('k')).toBeUndefined();
    expect(cache.stats().tiers[0]!.writeRefusals).toBe(1);
  });

  it('enforces max entries and max bytes by eviction, counted in stats', async () => {
    const { cache } = make({ tiers: [memoryTier({ maxEntries: 100, maxBytes: 20_000, maxEntrySize: 2_000 })] });
    for (let i = 0; i < 300; i++) await cache.set(`k${i}`, 'x'.repeat(i % 2 === 0 ? 10 : 500));
    const tier = cache.stats().tiers[0]!;
    expect(tier.entries).toBeLessThanOrEqual(100);
    expect(tier.bytes).toBeLessThanOrEqual(20_000);
    expect(tier.evictions).toBe(300 - tier.entries);
  });

  it('sweeps expired entries', async () => {
    const { cache, clock } = make();
    await cache.set('short', 1, { ttl: 1_000 });
    await cache.set('long', 2, { ttl: minutes(10) });
    clock.advance(2_000);
    expect(await cache.sweep()).toBe(1);
    expect(cache.stats().tiers[0]!.entries).toBe(1);
  });
});

describe('options', () => {
  it.each([
    [{ tiers: [] }, /tiers must be a non-empty array/],
    [{ tiers: [{}] }, /tiers\[0\] is not a tier/],
    [{ tiers: [memoryTier(), memoryTier()] }, /two tiers are named "memory"/],
    [{ tiers: [{ ...faultyTier(memoryTier()), guard: undefined }] }, /tiers\[0\] has no guard/],
    [{ tiers: [memoryTier()], ttl: 0 }, /ttl must be an integer from 1/],
    [{ tiers: [memoryTier()], grace: -1 }, /grace must be an integer from 0/],
    [{ tiers: [memoryTier()], tierDeadline: 1.5 }, /tierDeadline/],
    [{ tiers: [memoryTier()], lockByDefault: true }, /lockByDefault needs a lock/],
  ])('refuses bad options up front (%#)', (options, message) => {
    expect(() => createCache(options as never)).toThrow(CacheOptionsError);
    expect(() => createCache(options as never)).toThrow(message);
  });
});

describe('observability', () => {
  it('counts hits and misses per tier', async () => {
    const { cache } = make();
    await cache.set('k', 1);
    await cache.get('k');
    await cache.get('k');
    await cache.get('missing');
    const tier = cache.stats().tiers[0]!;
    expect([tier.hits, tier.misses, tier.hitRate]).toEqual([2, 1, 2 / 3]);
  });

  it('emits typed events and publishes them on the diagnostics channel', async () => {
    const { cache } = make();
    const seen: CacheEvent[] = [];
    const off = cache.on('hit', (event) => seen.push(event));
    const published: unknown[] = [];
    const onMessage = (message: unknown) => published.push(message);
    channel(DIAGNOSTICS_CHANNEL).subscribe(onMessage);
    try {
      await cache.set('k', 1);
      await cache.get('k');
      off();
      await cache.get('k');
    } finally {
      channel(DIAGNOSTICS_CHANNEL).unsubscribe(onMessage);
    }
    expect(seen).toEqual([{ type: 'hit', key: 'k', tier: 'memory', stale: false }]);
    expect(published).toContainEqual({ type: 'set', key: 'k' });
    expect(published.filter((m) => (m as CacheEvent).type === 'hit')).toHaveLength(2);
  });

  it('samples timings of synchronous reads', async () => {
    const { cache } = make({ timingSampleEvery: 4 });
    await cache.set('k', 1);
    for (let i = 0; i < 40; i++) await cache.get('k');
    expect(cache.stats().tiers[0]!.timings.get?.count).toBe(10);
  });

  it('reports how a read was served', async () => {
    const { cache } = make();
    await cache.set('k', 1, { etag: '"e1"' });
    const status = {};
    await cache.get('k', { status });
    expect(status).toMatchObject({ result: 'hit', tier: 'memory', etag: '"e1"' });
  });
});

describe('tag retention', () => {
  it('caps tagged entries at the retention and forgets older invalidations on sweep', async () => {
    const { cache, clock } = make({ ttl: 10 * 86_400_000, tagRetention: 86_400_000 });
    await cache.set('tagged', 1, { tags: ['team:1'] });
    await cache.set('untagged', 2);
    await cache.invalidateTags(['team:2']);
    clock.advance(86_400_000);
    // The tagged entry lived as long as invalidations of its tags are remembered, no longer.
    expect(await cache.getMany(['tagged', 'untagged'])).toEqual([undefined, 2]);
    await cache.sweep(); // forgets team:2's invalidation
    await cache.set('again', 3, { tags: ['team:2'] });
    expect(await cache.get('again')).toBe(3);
  });
});
