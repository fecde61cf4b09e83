import { describe, expect, it, vi } from 'vitest';
import { createCache } from './cache.ts';
import { createFakeClock, type FakeClock } from './clock.ts';
import type { CacheStatus } from './core/engine.ts';
import { CacheFactoryTimeoutError } from './errors.ts';
import { faultyTier } from './testing/faulty-tier.ts';
import { memoryTier } from './tiers/memory.ts';

const make = (options: Partial<Parameters<typeof createCache>[0]> = {}) => {
  const clock = createFakeClock();
  const cache = createCache({ tiers: [memoryTier()], clock, sweepInterval: 0, ...options });
  return { cache, clock };
};

/** Lets the cache's promise chain run until it has scheduled a timer on the fake clock. */
async function untilScheduled(clock: FakeClock): Promise<void> {
  for (let turns = 0; clock.pending === 0; turns++) {
    if (turns > 100) throw new Error('no timer was scheduled');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A promise the test settles by hand, to force interleavings. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A factory the test settles by hand, and `started`, which resolves once the cache has called it. */
function heldFactory<T>() {
  const gate = deferred<T>();
  const called = deferred<void>();
  const factory = (): Promise<T> => {
    called.resolve();
    return gate.promise;
  };
  return { factory, started: called.promise, resolve: gate.resolve };
}

describe('getOrSet single-flight', () => {
  it('calls the factory once for 1,000 concurrent misses on one cold key', async () => {
    const { cache } = make();
    let calls = 0;
    const gate = deferred<{ computed: boolean }>();
    const factory = () => {
      calls++;
      return gate.promise;
    };
    const all = Promise.all(Array.from({ length: 1_000 }, () => cache.getOrSet('cold', factory)));
    // The load stays open until every other caller has joined it.
    await expect.poll(() => cache.stats().getOrSet.singleFlightJoins).toBe(999);
    gate.resolve({ computed: true });
    const results = await all;
    expect(calls).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(cache.stats().getOrSet.singleFlightJoins).toBe(999);
  });

  it('does the same across a slow asynchronous second tier', async () => {
    const remote = faultyTier(memoryTier({ name: 'inner' }));
    remote.controls.latency = 5;
    const { cache } = make({ tiers: [memoryTier(), remote] });
    let calls = 0;
    await Promise.all(Array.from({ length: 1_000 }, () => cache.getOrSet('cold', () => ++calls)));
    expect(calls).toBe(1);
    expect(remote.controls.calls.get).toBe(1);
  });

  it('rethrows the factory error when there is nothing to fall back on, and caches nothing', async () => {
    const { cache } = make();
    const boom = new Error('source down');
    await expect(cache.getOrSet('k', () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await cache.has('k')).toBe(false);
    expect(cache.stats().getOrSet.factoryErrors).toBe(1);
  });

  it('returns without caching when the factory says skipCache', async () => {
    const { cache } = make();
    const value = await cache.getOrSet('k', (ctx) => {
      ctx.skipCache();
      return 7;
    });
    expect(value).toBe(7);
    expect(await cache.has('k')).toBe(false);
  });

  it('lets the factory set the etag and ttl of what it produces', async () => {
    const { cache, clock } = make();
    await cache.getOrSet('k', (ctx) => {
      ctx.options.etag = '"abc"';
      ctx.options.ttl = 500;
      return 1;
    });
    const status: CacheStatus = {};
    await cache.get('k', { status });
    expect(status.etag).toBe('"abc"');
    clock.advance(500);
    expect(await cache.get('k')).toBeUndefined();
  });
});

describe('stale-while-revalidate and grace', () => {
  it('serves the stale value at once and refreshes in the background, once', async () => {
    const { cache, clock } = make({ ttl: 1_000, grace: 60_000 });
    await cache.set('k', 'v1');
    clock.advance(1_500);
    const gate = deferred<string>();
    let calls = 0;
    const factory = () => {
      calls++;
      return gate.promise;
    };
    const status: CacheStatus = {};
    const served = await Promise.all([cache.getOrSet('k', factory, { status }), cache.getOrSet('k', factory)]);
    expect(served).toEqual(['v1', 'v1']);
    expect(status.result).toBe('stale');
    // A reader arriving while the refresh runs gets the stale value and starts nothing new.
    expect(await cache.getOrSet('k', factory)).toBe('v1');
    gate.resolve('v2');
    await expect.poll(() => cache.get('k')).toBe('v2'); // the background refresh stored it
    expect(calls).toBe(1);
  });

  it('serves the last good value while the factory fails, within the grace window only', async () => {
    const { cache, clock } = make({ ttl: 1_000, grace: 10_000, softTimeout: 1_000 });
    await cache.set('k', 'good');
    clock.advance(2_000);
    const failing = () => Promise.reject(new Error('API down'));
    const status: CacheStatus = {};
    expect(await cache.getOrSet('k', failing, { status })).toBe('good');
    expect(status.result).toBe('stale');
    expect(cache.stats().getOrSet).toMatchObject({ graceServes: 1, factoryErrors: 1 });
    clock.advance(10_000);
    await expect(cache.getOrSet('k', failing)).rejects.toThrow('API down');
  });

  it('answers stale after the soft timeout while the refresh finishes', async () => {
    const { cache, clock } = make({ ttl: 1_000, grace: 60_000 });
    await cache.set('k', 'old');
    clock.advance(2_000);
    const gate = deferred<string>();
    const served = cache.getOrSet('k', () => gate.promise, { softTimeout: 20 });
    await untilScheduled(clock);
    clock.advance(20); // the soft timeout runs on the cache's clock
    expect(await served).toBe('old');
    expect(clock.pending).toBe(0);
    expect(cache.stats().getOrSet.staleServes).toBe(1);
    gate.resolve('new');
    await expect.poll(() => cache.get('k')).toBe('new'); // the refresh finished in the background
  });

  it('waits for a fast refresh within the soft timeout instead of serving stale, and clears the timer', async () => {
    const { cache, clock } = make({ ttl: 1_000, grace: 60_000 });
    await cache.set('k', 'old');
    clock.advance(2_000);
    expect(await cache.getOrSet('k', async () => 'new', { softTimeout: 1_000 })).toBe('new');
    expect(clock.pending).toBe(0);
    // Likewise the hard timeout of a load that finished in time.
    expect(await cache.getOrSet('other', async () => 'fast', { timeout: 1_000 })).toBe('fast');
    expect(clock.pending).toBe(0);
  });

  it('waits for the refresh when the soft timeout is Infinity (a timer would fire it after 1 ms)', async () => {
    const cache = createCache({ tiers: [memoryTier()], sweepInterval: 0 });
    await cache.set('k', 'old');
    await cache.expire(['k'], { staleFor: 60_000 });
    const slow = () => new Promise<string>((resolve) => setTimeout(resolve, 5, 'new'));
    expect(await cache.getOrSet('k', slow, { softTimeout: Number.POSITIVE_INFINITY })).toBe('new');
    expect(cache.stats().getOrSet.staleServes).toBe(0);
  });

  it('gives up after the hard timeout when there is no stale value, and still fills the cache', async () => {
    const { cache, clock } = make();
    const gate = deferred<string>();
    const pending = cache.getOrSet('k', () => gate.promise, { timeout: 10 }).catch((e: unknown) => e);
    await untilScheduled(clock);
    clock.advance(10);
    const error = await pending;
    expect(error).toBeInstanceOf(CacheFactoryTimeoutError);
    expect(error).toMatchObject({ code: 'E_CACHE_FACTORY_TIMEOUT' });
    gate.resolve('late');
    await expect.poll(() => cache.get('k')).toBe('late'); // the late load still filled the cache
  });

  it('bypasses every tier on forceFresh and refills them', async () => {
    const { cache } = make();
    await cache.set('k', 'cached');
    const status: CacheStatus = {};
    expect(await cache.getOrSet('k', () => 'fresh', { forceFresh: true, status })).toBe('fresh');
    expect(status).toMatchObject({ result: 'bypass', tier: 'origin' });
    expect(await cache.get('k')).toBe('fresh');
  });
});

describe('races between a slow reader and a writer', () => {
  it('does not store a value whose key was deleted while the factory ran', async () => {
    const { cache } = make();
    const source = heldFactory<string>();
    const reader = cache.getOrSet('team_1', source.factory);
    await source.started; // the reader is reading the source
    await cache.delete('team_1'); // the writer committed a new value and invalidated
    source.resolve('value read before the write');
    expect(await reader).toBe('value read before the write');
    expect(await cache.has('team_1')).toBe(false);
  });

  it('does not store a value whose tag was invalidated while the factory ran', async () => {
    const { cache } = make();
    const source = heldFactory<string>();
    const reader = cache.getOrSet('team_1_metrics', source.factory, { tags: ['team:1'] });
    await source.started;
    await cache.invalidateTags(['team:1']);
    source.resolve('old metrics');
    await reader;
    expect(await cache.has('team_1_metrics')).toBe(false);
  });

  it('does not promote an old value read from a slow tier during a delete', async () => {
    const inner = memoryTier({ name: 'inner' });
    const remote = faultyTier(inner);
    const l1 = memoryTier();
    const { cache } = make({ tiers: [l1, remote] });
    await cache.set('k', 'old');
    l1.clear();
    // The remote read takes the old value, then waits for the test before answering.
    const readTaken = deferred<void>();
    const answer = deferred<void>();
    const get = remote.get;
    remote.get = async (key: string) => {
      const entry = await get(key);
      readTaken.resolve();
      await answer.promise;
      return entry;
    };
    const read = cache.get('k'); // in flight to the remote tier
    await readTaken.promise;
    const write = cache.delete('k');
    answer.resolve(); // the old value arrives while the delete is under way
    await Promise.all([read, write]);
    expect(l1.get('k')).toBeUndefined();
  });
});

describe('the cross-process lock', () => {
  it('computes without the lock when the lock service fails, instead of waiting for a holder', async () => {
    const failingLock = {
      acquire: () => Promise.reject(new Error('redis down')),
      waitForRelease: () => new Promise<boolean>(() => {}), // would hang the call if it were used
    };
    const { cache } = make({ lock: failingLock, lockByDefault: true });
    expect(await cache.getOrSet('k', () => 'computed')).toBe('computed');
    expect(cache.stats().getOrSet).toMatchObject({ lockErrors: 1, lockWaits: 0, factoryCalls: 1 });
  });

  it('waits for the holder, then takes over when the holder wrote nothing', async () => {
    let released: (() => void) | undefined;
    const lock = {
      acquire: async () => undefined, // someone else holds it
      waitForRelease: () =>
        new Promise<boolean>((resolve) => {
          released = () => resolve(true);
        }),
    };
    const waiter = createCache({ tiers: [memoryTier()], lock, lockByDefault: true, sweepInterval: 0 });
    let calls = 0;
    const pending = waiter.getOrSet('k', () => ++calls);
    await vi.waitFor(() => expect(released).toBeDefined()); // waiting for the holder's release
    expect(waiter.stats().getOrSet.lockWaits).toBe(1);
    released!();
    // The holder wrote nothing here (separate memory): the waiter takes over and computes once.
    expect(await pending).toBe(1);
    expect(waiter.stats().getOrSet.lockTakeovers).toBe(1);
  });
});

describe('expire', () => {
  it('turns fresh values stale but keeps serving them within grace', async () => {
    const { cache } = make({ ttl: 60_000, grace: 60_000 });
    await cache.set('metrics_1', 'last good');
    expect(await cache.expire(['metrics_1', 'absent'])).toBe(1);
    expect(await cache.get('metrics_1')).toBeUndefined(); // not fresh any more
    const gate = deferred<string>();
    const status: CacheStatus = {};
    expect(await cache.getOrSet('metrics_1', () => gate.promise, { status })).toBe('last good');
    expect(status.result).toBe('stale');
    gate.resolve('new');
  });
});

describe('expire with staleFor', () => {
  it('keeps an entry without grace servable as stale for the given time', async () => {
    const { cache, clock } = make({ ttl: 60_000 });
    await cache.set('task_result', 'v1', { ttl: 5_000 });
    await cache.expire(['task_result'], { staleFor: 10_000 }); // longer than its own life left
    const status: CacheStatus = {};
    expect(await cache.getOrSet('task_result', () => new Promise<string>(() => {}), { status })).toBe('v1');
    expect(status.result).toBe('stale');
    clock.advance(10_000);
    expect(await cache.getEntry('task_result')).toBeUndefined();
  });
});

describe('a read that begins after an invalidation', () => {
  it('does not join a load that began before it (the writer reads its own write)', async () => {
    const { cache } = make();
    const source = heldFactory<string>();
    const slow = cache.getOrSet('team_1', source.factory);
    await source.started;
    await cache.delete('team_1'); // the write committed and invalidated
    const own = cache.getOrSet('team_1', async () => 'new');
    source.resolve('old');
    expect(await slow).toBe('old'); // began before the write: linearized before it
    expect(await own).toBe('new');
    expect(await cache.get('team_1')).toBe('new');
  });

  it('does not join across a tag invalidation either', async () => {
    const { cache } = make();
    const source = heldFactory<string>();
    const slow = cache.getOrSet('m', source.factory, { tags: ['team:1'] });
    await source.started;
    await cache.invalidateTags(['team:1']);
    const fresh = cache.getOrSet('m', async () => 'new', { tags: ['team:1'] });
    source.resolve('old');
    expect([await slow, await fresh]).toEqual(['old', 'new']);
    expect(await cache.get('m')).toBe('new');
  });
});

describe('invalidations reach every refresh in flight', () => {
  it('stops a refresh detached by an unrelated tag invalidation when its own key is deleted later', async () => {
    const { cache } = make();
    const source = heldFactory<string>();
    const slow = cache.getOrSet('team_1', source.factory, { tags: ['team:1'] });
    await source.started;
    await cache.invalidateTags(['table:teams']); // e.g. the ORM's query cache on the same write
    await cache.delete('team_1'); // the write's own invalidation
    source.resolve('old');
    expect(await slow).toBe('old');
    expect(await cache.has('team_1')).toBe(false);
  });
});
