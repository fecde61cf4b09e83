import { describe, expect, it } from 'vitest';
import { createCache } from './cache.ts';
import { createFakeClock } from './clock.ts';
import { faultyTier } from './testing/faulty-tier.ts';
import { memoryTier } from './tiers/memory.ts';
import type { SyncTier } from './types.ts';

/** A real tier whose method calls are counted. */
function counted<T extends SyncTier>(tier: T): T & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  return new Proxy(tier, {
    get(target, property, receiver) {
      if (property === 'calls') return calls;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(property)] = (calls[String(property)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as T & { calls: Record<string, number> };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function twoTiers(options: Partial<Parameters<typeof createCache>[0]> = {}) {
  const clock = createFakeClock();
  const l1 = counted(memoryTier({ ttl: 60_000 }));
  const l2 = faultyTier(memoryTier({ name: 'inner', serialize: true }), 'l2');
  const cache = createCache({ tiers: [l1, l2], clock, sweepInterval: 0, ...options });
  return { cache, clock, l1, l2 };
}

const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);

describe('getOrSetMany', () => {
  it('reads each tier once, loads exactly the missing keys in one call, and writes each tier once', async () => {
    const { cache, l1, l2 } = twoTiers();
    const keys = keysOf(100);
    // 60 cached: 30 in both tiers, 30 only in L2 (as after a restart of this instance).
    await cache.setMany(keys.slice(0, 60).map((key) => ({ key, value: `cached ${key}` })));
    for (const key of keys.slice(30, 60)) l1.delete(key);
    for (const op of Object.keys(l1.calls)) delete l1.calls[op];
    for (const op of Object.keys(l2.controls.calls)) delete l2.controls.calls[op];

    const loads: string[][] = [];
    const values = await cache.getOrSetMany(keys, async (missing) => {
      loads.push(missing);
      return missing.map((key) => `loaded ${key}`);
    });

    expect(values).toEqual(keys.map((key, i) => (i < 60 ? `cached ${key}` : `loaded ${key}`)));
    expect(loads).toEqual([keys.slice(60)]);
    expect(l1.calls.getMany).toBe(1);
    expect(l1.calls.get ?? 0).toBe(0);
    expect(l2.controls.calls).toEqual({ getMany: 1, setMany: 1 });
    // Everything is now in both tiers: the same batch costs no remote call and no load.
    expect(await cache.getOrSetMany(keys, () => Promise.reject(new Error('not called')))).toEqual(values);
    expect(l2.controls.calls).toEqual({ getMany: 1, setMany: 1 });
    expect(cache.stats().getOrSet).toMatchObject({ manyCalls: 2, batchLoads: 1, batchLoadedKeys: 40 });
  });

  it('loads each key once for two concurrent overlapping batches, and shares loads with getOrSet', async () => {
    const { cache, l2 } = twoTiers();
    l2.controls.latency = 2;
    const loaded: string[] = [];
    const gate = deferred<void>();
    const loadMany = async (missing: string[]) => {
      loaded.push(...missing);
      await gate.promise;
      return missing.map((key) => `v-${key}`);
    };
    const a = cache.getOrSetMany(['a', 'b', 'c', 'd'], loadMany);
    const b = cache.getOrSetMany(['c', 'd', 'e', 'f'], loadMany);
    const single = cache.getOrSet('e', () => 'from getOrSet');
    const dup = cache.getOrSetMany(['f', 'f', 'a'], loadMany);
    while (loaded.length < 6) await flush();
    gate.resolve();
    expect(await a).toEqual(['v-a', 'v-b', 'v-c', 'v-d']);
    expect(await b).toEqual(['v-c', 'v-d', 'v-e', 'v-f']);
    expect(await single).toBe('v-e');
    expect(await dup).toEqual(['v-f', 'v-f', 'v-a']);
    expect(loaded.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('serves stale keys at once and refreshes them in the same load; rejects when a missing key fails', async () => {
    const { cache, clock } = twoTiers({ ttl: 1_000, grace: 60_000 });
    await cache.setMany([{ key: 'old', value: 1 }]);
    clock.advance(2_000);
    const calls: string[][] = [];
    const values = await cache.getOrSetMany(['old', 'new'], async (keys) => {
      calls.push(keys);
      return keys.map((key) => `${key}!`);
    });
    expect(values).toEqual([1, 'new!']);
    expect(calls).toEqual([['old', 'new']]);
    expect(await cache.get('old')).toBe('old!');

    const boom = new Error('source down');
    clock.advance(2_000);
    await expect(cache.getOrSetMany(['old', 'absent'], () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await cache.getOrSetMany(['old'], () => Promise.reject(boom))).toEqual(['old!']); // grace
    await expect(cache.getOrSetMany(['x'], async () => ['too', 'many'])).rejects.toThrow(/array of 1 values/);
  });

  it('stores nothing for undefined values and tags each entry', async () => {
    const { cache } = twoTiers();
    const values = await cache.getOrSetMany(
      ['t1', 'none'],
      async (keys) => keys.map((k) => (k === 'none' ? undefined : k)),
      {
        tags: (key) => [`tag:${key}`],
      },
    );
    expect(values).toEqual(['t1', undefined]);
    expect(await cache.has('none')).toBe(false);
    await cache.invalidateTags(['tag:t1']);
    expect(await cache.get('t1')).toBeUndefined();
  });

  it('answers a key passed to skipCache, to a joined getOrSet too, without storing it', async () => {
    const { cache } = twoTiers();
    const gate = deferred<void>();
    const batch = cache.getOrSetMany(['kept', 'passing'], async (keys, context) => {
      await gate.promise;
      context.skipCache('passing');
      return keys.map((key) => `${key}!`);
    });
    const joined = cache.getOrSet('passing', () => 'own load');
    gate.resolve();
    expect(await batch).toEqual(['kept!', 'passing!']);
    expect(await joined).toBe('passing!');
    expect(await cache.has('kept')).toBe(true);
    expect(await cache.has('passing')).toBe(false);
  });
});

describe('batch promotion', () => {
  it('promotes no more hits than the fast tier holds: the last ones of the batch', async () => {
    const clock = createFakeClock();
    const l1 = counted(memoryTier({ maxEntries: 10 }));
    const l2 = faultyTier(memoryTier({ name: 'inner', serialize: true }), 'l2');
    const cache = createCache({ tiers: [l1, l2], clock, sweepInterval: 0 });
    const keys = keysOf(100);
    await cache.setMany(keys.map((key) => ({ key, value: key })));
    l1.clear();
    delete l1.calls.set;
    expect(await cache.getMany(keys)).toEqual(keys);
    expect(l1.calls.set).toBe(10);
    expect(l1.keys().sort()).toEqual(keys.slice(90).sort());
  });
});

describe('refresh-ahead', () => {
  it('answers a hit near expiry at once and starts exactly one background refresh', async () => {
    const { cache, clock } = twoTiers({ ttl: 10_000, refreshAhead: 0.2 });
    let calls = 0;
    const gate = deferred<string>();
    const factory = () => {
      calls++;
      return calls === 1 ? 'v1' : gate.promise;
    };
    expect(await cache.getOrSet('k', factory)).toBe('v1');
    clock.advance(7_999);
    expect(await cache.getOrSet('k', factory)).toBe('v1');
    expect(calls).toBe(1); // not yet in the last 20 %
    clock.advance(1);
    const served = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('k', factory)));
    expect(served).toEqual(Array(10).fill('v1'));
    expect(calls).toBe(2);
    gate.resolve('v2');
    await flush();
    expect(await cache.getOrSet('k', factory)).toBe('v2');
    expect(calls).toBe(2);
    expect(cache.stats().getOrSet.refreshAheads).toBe(1);
  });

  it('refreshes near-expiry keys of a batch in one background load', async () => {
    const { cache, clock } = twoTiers({ ttl: 10_000 });
    const loads: string[][] = [];
    const loadMany = async (keys: string[]) => {
      loads.push(keys);
      return keys.map((key) => `${key}@${loads.length}`);
    };
    await cache.getOrSetMany(['a', 'b'], loadMany);
    clock.advance(9_000);
    expect(await cache.getOrSetMany(['a', 'b', 'c'], loadMany, { refreshAhead: 0.2 })).toEqual(['a@1', 'b@1', 'c@2']);
    await flush();
    expect(loads).toEqual([['a', 'b'], ['c'], ['a', 'b']]);
    expect(await cache.getOrSetMany(['a', 'b'], loadMany, { refreshAhead: 0.2 })).toEqual(['a@3', 'b@3']);
  });
});
