// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Cache, createCache, days } from '../cache.ts';
import { createFakeClock, type FakeClock } from '../clock.ts';
import { CacheOptionsError } from '../errors.ts';
import { attachForTest, runTierConformance } from '../testing/index.ts';
import type { Entry } from '../types.ts';
import { type MemoryTier, memoryTier } from './memory.ts';
import { isQuotaError, linkTabs, type StorageLike, type WebStorageTier, webStorageTier } from './web-storage.ts';

const THREE_DAYS = 259_200_000;
const FOUR_HOURS = 14_400_000;

/**
 * A spec-faithful `Storage` with a quota counted as browsers do, `(key + value) × 2` bytes, that
 * throws a real `QuotaExceededError` DOMException, and counts `setItem` calls.
 */
class QuotaStorage implements StorageLike {
  readonly #items = new Map<string, string>();
  setItemCalls = 0;

  constructor(readonly quota = Number.POSITIVE_INFINITY) {}

  get length(): number {
    return this.#items.size;
  }

  get used(): number {
    let bytes = 0;
    for (const [key, value] of this.#items) bytes += (key.length + value.length) * 2;
    return bytes;
  }

  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }

  getItem(key: string): string | null {
    return this.#items.get(String(key)) ?? null;
  }

  setItem(key: string, value: string): void {
    this.setItemCalls++;
    const k = String(key);
    const v = String(value);
    const old = this.#items.get(k);
    const after = this.used - (old === undefined ? 0 : (k.length + old.length) * 2) + (k.length + v.length) * 2;
    if (after > this.quota) {
      throw new DOMException(`Setting the value of '${k}' exceeded the quota.`, 'QuotaExceededError');
    }
    this.#items.set(k, v);
  }

  removeItem(key: string): void {
    this.#items.delete(String(key));
  }

  clear(): void {
    this.#items.clear();
  }

  snapshot(filter: (key: string) => boolean = () => true): Record<string, string> {
    return Object.fromEntries([...this.#items].filter(([key]) => filter(key)));
  }
}

/** A storage whose every access throws, as Safari and Firefox do with storage disabled. */
const brokenStorage: StorageLike = {
  get length(): number {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  },
  key: () => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  },
  getItem: () => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  },
  setItem: () => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  },
  removeItem: () => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  },
};

let prefixes = 0;
const open: { close(): unknown }[] = [];

afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
  localStorage.clear();
  vi.unstubAllGlobals();
});

function browserCache(storage: StorageLike, clock: FakeClock = createFakeClock()) {
  const memory = memoryTier({ ttl: FOUR_HOURS });
  const web = webStorageTier({ storage, window: null });
  const cache = createCache({ tiers: [memory, web], clock, ttl: days(7), sweepInterval: 0 });
  open.push(cache);
  return { cache, memory, web, clock };
}

const entry = (value: unknown, now: number, ttl = 60_000, extra: Partial<Entry> = {}): Entry => ({
  value,
  createdAt: now,
  expiresAt: now + ttl,
  staleUntil: now + ttl,
  ...extra,
});

const tierStats = (cache: Cache, name: string) => cache.stats().tiers.find((tier) => tier.name === name)!;

runTierConformance('web-storage (happy-dom localStorage)', {
  create: () => {
    const tier = webStorageTier({ prefix: `t${++prefixes}_` });
    return { ...attachForTest(tier), cleanup: () => tier.close() };
  },
  corrupt: (setup, key, raw) => localStorage.setItem((setup.tier as WebStorageTier).prefix + key, raw),
});

runTierConformance('web-storage (quota storage)', {
  create: () => {
    const storage = new QuotaStorage(5_000_000);
    return { ...attachForTest(webStorageTier({ storage, window: null })), storage };
  },
  corrupt: (setup, key, raw) => (setup as unknown as { storage: QuotaStorage }).storage.setItem(`cache:${key}`, raw),
});

describe('web-storage tier', () => {
  it('uses localStorage by default and keeps the readable shape under cache:', async () => {
    const web = webStorageTier();
    const cache = createCache({ tiers: [memoryTier({ ttl: FOUR_HOURS }), web], ttl: days(3), sweepInterval: 0 });
    open.push(cache);
    const teams = [{ id: 1, name: 'Platform' }];
    await cache.set('teams', teams);

    const stored = JSON.parse(localStorage.getItem('cache:teams')!);
    expect(stored.data).toEqual(teams);
    expect(typeof stored.timestamp).toBe('number');
    expect(stored.timestamp).toBeLessThanOrEqual(Date.now());
    expect(web.available).toBe(true);
    expect(web.name).toBe('web-storage');
    expect(web.ttl).toBe(THREE_DAYS);
    expect(web.shared && web.refusesSensitive && web.sync).toBe(true);
  });

  it('keeps an entry exactly 3 days: alive at 3 d − 1 ms, gone at 3 d', async () => {
    const storage = new QuotaStorage();
    const clock = createFakeClock();
    const cache = createCache({
      tiers: [webStorageTier({ storage, window: null })],
      clock,
      ttl: days(7),
      sweepInterval: 0,
    });
    open.push(cache);
    await cache.set('teams', ['a']);
    const start = clock.now();
    expect(JSON.parse(storage.getItem('cache:teams')!).keep).toBe(start + THREE_DAYS);

    clock.advance(THREE_DAYS - 1);
    expect(cache.getSync('teams')).toEqual(['a']);
    clock.advance(1);
    expect(cache.getSync('teams')).toBeUndefined();
    expect(await cache.get('teams')).toBeUndefined();
    expect(storage.getItem('cache:teams')).toBeNull();
  });

  it('memory tier of 4 h: alive at 4 h − 1 ms from memory, from storage at 4 h; storage gone at 3 d', async () => {
    const clock = createFakeClock();
    const { cache, memory } = browserCache(new QuotaStorage(), clock);
    await cache.set('team_1', { id: 1 });

    clock.advance(FOUR_HOURS - 1);
    expect(cache.getSync('team_1')).toEqual({ id: 1 });
    expect(tierStats(cache, 'memory').hits).toBe(1);
    expect(tierStats(cache, 'web-storage').hits).toBe(0);

    clock.advance(1);
    const memoryCopy = memory.get('team_1');
    expect(memoryCopy === undefined || memoryCopy.expiresAt <= clock.now()).toBe(true);
    expect(cache.getSync('team_1')).toEqual({ id: 1 });
    expect(tierStats(cache, 'web-storage').hits).toBe(1);
    // Promoted back into memory with the remaining lifetime, never a fresh 3 days.
    expect(memory.get('team_1')!.staleUntil).toBe(clock.now() + FOUR_HOURS);

    clock.set(clock.now() - FOUR_HOURS + THREE_DAYS - 1);
    memory.clear();
    expect(cache.getSync('team_1')).toEqual({ id: 1 });
    expect(memory.get('team_1')!.staleUntil).toBe(clock.now() + 1);
    clock.advance(1);
    expect(cache.getSync('team_1')).toBeUndefined();
  });

  describe('quota', () => {
    const foreignKey = (i: number) => `other_app_${i}`;

    /** Fills storage with another application's data until `free` bytes are left. */
    function fillForeign(storage: QuotaStorage, free: number): Record<string, string> {
      let i = 0;
      while (storage.quota - storage.used > free + 2_000) storage.setItem(foreignKey(i++), 'f'.repeat(900));
      const rest = storage.quota - storage.used - free - (foreignKey(i).length + 1) * 2;
      if (rest > 0) storage.setItem(foreignKey(i), 'f'.repeat(rest / 2));
      return storage.snapshot((key) => key.startsWith('other_app_'));
    }

    // Pseudo-random text: the codec's compression must not change the sizes the test plans for.
    const incompressible = (seed: number, length = 1_200) => {
      let state = seed;
      let out = '';
      for (let i = 0; i < length; i++) {
        state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
        out += String.fromCharCode(33 + (state % 90));
      }
      return out;
    };

    it('evicts our expired entries first, then our oldest, and never touches foreign keys', () => {
      const storage = new QuotaStorage(200_000);
      const clock = createFakeClock();
      const tier = webStorageTier({ storage, window: null });
      attachForTest(tier, clock);
      const probe = (key: string, seed: number) => {
        tier.set(key, entry(incompressible(seed), clock.now(), days(1)), days(1));
      };
      // Room for about two of our entries (~2.5 kB each) next to the other application's data.
      const foreign = fillForeign(storage, 6_000);

      tier.set('old_live', entry(incompressible(1), clock.now(), days(1)), days(1));
      clock.advance(1_000);
      tier.set('short', entry(incompressible(2), clock.now(), 5_000), 5_000);
      clock.advance(10_000); // `short` is expired now, `old_live` is not
      probe('third', 3);
      expect(tier.keys().sort()).toEqual(['old_live', 'third']);
      expect(tier.stats().evictions).toBe(1);

      clock.advance(1_000);
      probe('fourth', 4);
      expect(tier.keys().sort()).toEqual(['fourth', 'third']);
      expect(tier.stats().evictions).toBe(2);
      expect(tier.stats().quotaFailures).toBe(0);
      expect(storage.snapshot((key) => key.startsWith('other_app_'))).toEqual(foreign);
    });

    it('gives up on an entry that cannot fit: no throw, ≤ 2 setItem calls, no stale copy, foreign keys intact', async () => {
      const storage = new QuotaStorage(120_000);
      const { cache, web } = browserCache(storage);
      await cache.set('team_1', incompressible(1));
      await cache.set('big', incompressible(2));
      const foreign = fillForeign(storage, 500);

      const before = storage.setItemCalls;
      const bigger = incompressible(3, 6_000); // larger than everything we hold plus the free space
      await expect(cache.set('big', bigger)).resolves.toBeUndefined();
      expect(storage.setItemCalls - before).toBeLessThanOrEqual(2);
      expect(web.stats().quotaFailures).toBe(1);
      // The old `big` is gone from storage: it must not come back once memory forgets it.
      expect(storage.getItem('cache:big')).toBeNull();
      expect(storage.snapshot((key) => key.startsWith('other_app_'))).toEqual(foreign);
      // The cache still answers from memory.
      expect(cache.getSync('big')).toBe(bigger);

      // Each further failing write costs at most two setItem calls too, never a re-serialize loop.
      for (let i = 0; i < 5; i++) {
        const calls = storage.setItemCalls;
        await cache.set(`k${i}`, bigger);
        expect(storage.setItemCalls - calls).toBeLessThanOrEqual(2);
      }
      expect(web.stats().quotaFailures).toBe(6);
      expect(storage.snapshot((key) => key.startsWith('other_app_'))).toEqual(foreign);
    });

    it('refuses an entry above maxEntrySize before evicting anything', async () => {
      const storage = new QuotaStorage();
      const web = webStorageTier({ storage, window: null, maxEntrySize: 10_000 });
      const cache = createCache({ tiers: [memoryTier(), web], sweepInterval: 0 });
      open.push(cache);
      await cache.set('small', 'x');
      await expect(cache.set('huge', incompressible(1, 12_000))).rejects.toMatchObject({
        code: 'E_CACHE_ENTRY_TOO_LARGE',
      });
      expect(storage.getItem('cache:huge')).toBeNull();
      expect(storage.getItem('cache:small')).not.toBeNull();
      expect(await cache.get('huge')).toBeDefined(); // the memory tier kept it
    });

    it('recognizes quota errors of every browser', () => {
      expect(isQuotaError(new DOMException('full', 'QuotaExceededError'))).toBe(true);
      expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED', code: 1014 })).toBe(true);
      expect(isQuotaError({ name: 'Error', code: 22 })).toBe(true);
      expect(isQuotaError(new DOMException('no', 'SecurityError'))).toBe(false);
      expect(isQuotaError(undefined)).toBe(false);
    });
  });

  describe('unavailable storage', () => {
    it('storage that throws on every access: the tier is a counted no-op and the cache serves from memory', async () => {
      const { cache, web } = browserCache(brokenStorage);
      expect(web.available).toBe(false);
      await cache.set('teams', ['a']);
      expect(cache.getSync('teams')).toEqual(['a']);
      expect(await cache.getOrSet('team_1', () => ({ id: 1 }))).toEqual({ id: 1 });
      expect(await cache.get('team_1')).toEqual({ id: 1 });
      expect(web.get('teams')).toBeUndefined();
      expect(web.keys()).toEqual([]);
      expect(web.clear()).toBe(0);
      const stats = web.stats();
      expect(stats.storageErrors).toBeGreaterThanOrEqual(1);
      expect(stats.available).toBe(false);
      expect(stats.entries).toBe(0);
    });

    it('a SecurityError when reading window.localStorage makes it unavailable, not a crash', () => {
      const web = webStorageTier({
        storage: () => {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
        window: null,
      });
      expect(web.available).toBe(false);
      expect(web.stats().storageErrors).toBe(1);
      expect(webStorageTier({ storage: () => null, window: null }).available).toBe(false);
    });

    it('storage that starts failing mid-session degrades without failing the cache', async () => {
      const storage = new QuotaStorage();
      const { cache, web } = browserCache(storage);
      await cache.set('teams', ['a']);
      storage.getItem = () => {
        throw new DOMException('disabled', 'SecurityError');
      };
      storage.setItem = storage.getItem;
      await expect(cache.set('team_1', { id: 1 })).resolves.toBeUndefined();
      expect(web.available).toBe(false);
      expect(cache.getSync('team_1')).toEqual({ id: 1 });
      expect(cache.getSync('teams')).toEqual(['a']);
    });

    it('a full storage at start-up is still available', () => {
      const storage = new QuotaStorage(100);
      storage.setItem('other_app', 'x'.repeat(40));
      expect(webStorageTier({ storage, window: null }).available).toBe(true);
    });
  });

  it('never writes sensitive entries; the cache still returns them from memory', async () => {
    const storage = new QuotaStorage();
    const { cache } = browserCache(storage);
    await cache.set('session_token', 'secret-abc-123', { sensitive: true });
    await cache.set('teams', ['a']);
    expect(await cache.getOrSet('credentials', () => 'hunter2-secret', { sensitive: true })).toBe('hunter2-secret');

    const everything = JSON.stringify(storage.snapshot());
    expect(everything).not.toContain('session_token');
    expect(everything).not.toContain('secret-abc-123');
    expect(everything).not.toContain('credentials');
    expect(everything).not.toContain('hunter2');
    expect(everything).toContain('cache:teams');
    expect(cache.getSync('session_token')).toBe('secret-abc-123');
    expect(await cache.get('credentials')).toBe('hunter2-secret');
    expect(tierStats(cache, 'web-storage').writeRefusals).toBe(2);
  });

  it('a sensitive overwrite removes the older plain copy from storage', async () => {
    const storage = new QuotaStorage();
    const { cache } = browserCache(storage);
    await cache.set('profile', 'public');
    await cache.set('profile', 'private', { sensitive: true });
    expect(storage.getItem('cache:profile')).toBeNull();
    expect(cache.getSync('profile')).toBe('private');
  });

  it('removes and counts corrupt JSON and entries in the old seed format', async () => {
    const storage = new QuotaStorage();
    const { cache, web } = browserCache(storage);
    storage.setItem('cache:teams', '{"data":[1,2');
    storage.setItem('cache:team_1', JSON.stringify({ data: { id: 1 }, timestamp: 1 }));
    expect(cache.getSync('teams')).toBeUndefined();
    expect(await cache.get('team_1')).toBeUndefined();
    expect(storage.getItem('cache:teams')).toBeNull();
    expect(storage.getItem('cache:team_1')).toBeNull();
    expect(web.stats().corrupt).toBe(2);
    expect(await cache.getOrSet('teams', () => ['fresh'])).toEqual(['fresh']);
    expect(JSON.parse(storage.getItem('cache:teams')!).data).toEqual(['fresh']);
  });

  it('namespaces: a user namespace is stored under cache:user_42: and logout clears only it', async () => {
    const storage = new QuotaStorage();
    storage.setItem('other_app_token', 'keep me');
    const { cache } = browserCache(storage);
    const alice = cache.namespace('user_42');
    const bob = cache.namespace('user_7');
    await alice.set('team_1', { id: 1, owner: 42 });
    await alice.set('teams', ['a']);
    await bob.set('team_1', { id: 1, owner: 7 });
    await cache.set('teams', ['shared']);
    expect(JSON.parse(storage.getItem('cache:user_42:team_1')!).data).toEqual({ id: 1, owner: 42 });

    await alice.clear(); // logout
    expect(Object.keys(storage.snapshot()).sort()).toEqual(['cache:teams', 'cache:user_7:team_1', 'other_app_token']);
    expect(alice.getSync('team_1')).toBeUndefined();
    expect(await alice.get('teams')).toBeUndefined();
    expect(bob.getSync('team_1')).toEqual({ id: 1, owner: 7 });
    expect(cache.getSync('teams')).toEqual(['shared']);
  });

  it('clear() and keys() touch only our prefix', () => {
    const storage = new QuotaStorage();
    storage.setItem('other_app_a', '1');
    storage.setItem('cache', 'no colon: not ours');
    const { tier, clock } = attachForTest(webStorageTier({ storage, window: null }));
    tier.set('a', entry(1, clock.now()), 60_000);
    tier.set('b', entry(2, clock.now()), 60_000);
    expect(tier.keys().sort()).toEqual(['a', 'b']);
    expect(tier.clear()).toBe(2);
    expect(storage.snapshot()).toEqual({ other_app_a: '1', cache: 'no colon: not ours' });
  });

  it('stats: entries and bytes as (key + value) × 2, kept up to date without rescanning', () => {
    const storage = new QuotaStorage();
    storage.setItem('other_app_a', 'x'.repeat(100));
    const { tier, clock } = attachForTest(webStorageTier({ storage, window: null }));
    tier.set('a', entry('one', clock.now()), 60_000);
    const own = () => storage.used - (11 + 100) * 2;
    expect(tier.stats()).toMatchObject({ entries: 1, bytes: own() });

    const getItem = vi.spyOn(storage, 'getItem');
    tier.set('b', entry('two', clock.now()), 60_000);
    tier.set('a', entry('one, longer now', clock.now()), 60_000);
    expect(tier.stats()).toMatchObject({ entries: 2, bytes: own() });
    tier.delete('b');
    expect(tier.stats()).toMatchObject({ entries: 1, bytes: own() });
    // Stats were read from counters: only delete() read storage (to know whether `b` existed).
    expect(getItem.mock.calls.map(([key]) => key)).toEqual(['cache:b']);
  });

  it('cross-tab: a storage event for our key calls onExternalChange; linkTabs drops the memory copy', async () => {
    const changed: (string | undefined)[] = [];
    const clock = createFakeClock();
    const memory: MemoryTier = memoryTier({ ttl: FOUR_HOURS });
    const web = webStorageTier({ onExternalChange: (key) => changed.push(key) });
    const cache = createCache({ tiers: [memory, web], clock, ttl: days(3), sweepInterval: 0 });
    open.push(cache);
    await cache.set('teams', ['old']);

    // Another tab (another cache over the same localStorage) writes a new value.
    const other = createCache({ tiers: [webStorageTier({ window: null })], clock, ttl: days(3), sweepInterval: 0 });
    open.push(other);
    await other.set('teams', ['new']);
    const event = (key: string | null, newValue: string | null) =>
      window.dispatchEvent(new StorageEvent('storage', { key, newValue, storageArea: localStorage }));

    event('cache:teams', localStorage.getItem('cache:teams'));
    event('other_app_key', 'x');
    expect(changed).toEqual(['teams']);
    expect(cache.getSync('teams')).toEqual(['old']); // no link yet: memory still answers

    const heard: (string | undefined)[] = [];
    const unlink = linkTabs(web, [memory], (key) => heard.push(key));
    event('cache:teams', localStorage.getItem('cache:teams'));
    expect(heard).toEqual(['teams']);
    expect(cache.getSync('teams')).toEqual(['new']);

    await cache.set('team_1', { id: 1 });
    event(null, null); // the other tab called localStorage.clear()
    expect(heard).toEqual(['teams', undefined]);
    expect(memory.keys()).toEqual([]);
    unlink();
    expect(web.onExternalChange).toBeTypeOf('function');
  });

  it('estimate() reports navigator.storage.estimate() where it exists', async () => {
    const web = webStorageTier({ storage: new QuotaStorage(), window: null });
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 1_024, quota: 5_242_880 }) } });
    expect(await web.estimate()).toEqual({ usage: 1_024, quota: 5_242_880 });
    vi.stubGlobal('navigator', {});
    expect(await web.estimate()).toBeUndefined();
  });

  it('validates its options up front', () => {
    expect(() => webStorageTier({ ttl: -1, window: null })).toThrow(/ttl must be an integer/);
    expect(() => webStorageTier({ prefix: '', window: null })).toThrow(CacheOptionsError);
    expect(() => webStorageTier({ maxEntrySize: 0, window: null })).toThrow(/maxEntrySize/);
  });
});
