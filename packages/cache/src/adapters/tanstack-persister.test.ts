import { QueryClient } from '@tanstack/query-core';
import {
  type PersistedClient,
  persistQueryClientRestore,
  persistQueryClientSave,
} from '@tanstack/query-persist-client-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Cache, createCache, days, hours } from '../cache.ts';
import { createFakeClock, type FakeClock } from '../clock.ts';
import { CacheOptionsError } from '../errors.ts';
import { memoryTier } from '../tiers/memory.ts';
import { type StorageLike, webStorageTier } from '../tiers/web-storage.ts';
import { cachePersister } from './tanstack-persister.ts';

/** A minimal `Storage` over a Map, with an optional quota in bytes ((key + value) × 2). */
class MapStorage implements StorageLike {
  readonly items = new Map<string, string>();
  constructor(readonly quota = Number.POSITIVE_INFINITY) {}
  get length(): number {
    return this.items.size;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    let used = (key.length + value.length) * 2;
    for (const [k, v] of this.items) if (k !== key) used += (k.length + v.length) * 2;
    if (used > this.quota) throw new DOMException('quota', 'QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const caches: Cache[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cache of caches.splice(0)) await cache.close();
});

/** A browser-like cache: a fresh memory tier (a new page) over `storage`. */
function pageCache(storage: StorageLike, clock: FakeClock = createFakeClock()): Cache {
  const cache = createCache({
    tiers: [memoryTier({ ttl: hours(4) }), webStorageTier({ storage, window: null })],
    clock,
    ttl: days(3),
    sweepInterval: 0,
  });
  caches.push(cache);
  return cache;
}

async function filledClient(): Promise<QueryClient> {
  const client = new QueryClient();
  await client.prefetchQuery({ queryKey: ['teams'], queryFn: () => [{ id: 1, name: 'Platform' }] });
  await client.prefetchQuery({
    queryKey: ['team', 1, 'metrics'],
    queryFn: () => ({ throughput: 12, since: new Date(Date.UTC(2026, 0, 5)) }),
  });
  return client;
}

describe('cachePersister', () => {
  it('restores a persisted client in a new page, through localStorage', async () => {
    const storage = new MapStorage();
    const persister = cachePersister(pageCache(storage), { throttleTime: 0 });
    await persistQueryClientSave({ queryClient: await filledClient(), persister, buster: 'v1' });

    const stored = JSON.parse(storage.getItem('cache:tanstack-query')!);
    expect(stored.data.buster).toBe('v1');
    expect(typeof stored.timestamp).toBe('number');

    const fresh = new QueryClient();
    const nextPage = cachePersister(pageCache(storage), { throttleTime: 0 });
    await persistQueryClientRestore({ queryClient: fresh, persister: nextPage, buster: 'v1', maxAge: days(1) });
    expect(fresh.getQueryData(['teams'])).toEqual([{ id: 1, name: 'Platform' }]);
    expect(fresh.getQueryData(['team', 1, 'metrics'])).toEqual({
      throughput: 12,
      since: new Date(Date.UTC(2026, 0, 5)),
    });
  });

  it('forgets the client once its ttl has passed (fake clock)', async () => {
    const storage = new MapStorage();
    const clock = createFakeClock();
    const persister = cachePersister(pageCache(storage, clock), { ttl: hours(1), throttleTime: 0 });
    await persistQueryClientSave({ queryClient: await filledClient(), persister });

    clock.advance(hours(1) - 1);
    expect(await cachePersister(pageCache(storage, clock)).restoreClient()).toBeDefined();
    clock.advance(1);
    const later = new QueryClient();
    await persistQueryClientRestore({ queryClient: later, persister: cachePersister(pageCache(storage, clock)) });
    expect(later.getQueryData(['teams'])).toBeUndefined();
    expect(storage.getItem('cache:tanstack-query')).toBeNull();
  });

  it('throttles saves: one write per throttleTime, the latest state winning', async () => {
    vi.useFakeTimers();
    const storage = new MapStorage();
    const persister = cachePersister(pageCache(storage), { throttleTime: 1_000 });
    const setItem = vi.spyOn(storage, 'setItem');
    const client = (n: number): PersistedClient => ({
      timestamp: n,
      buster: '',
      clientState: { mutations: [], queries: [] },
    });

    for (let n = 1; n <= 5; n++) persister.persistClient(client(n));
    expect(setItem).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(setItem).toHaveBeenCalledTimes(1);
    expect((await persister.restoreClient())?.timestamp).toBe(5);

    persister.persistClient(client(6));
    await persister.flush();
    expect(setItem).toHaveBeenCalledTimes(2);
    expect((await persister.restoreClient())?.timestamp).toBe(6);
  });

  it('removeClient removes the client and cancels a pending save', async () => {
    vi.useFakeTimers();
    const storage = new MapStorage();
    const cache = pageCache(storage);
    const persister = cachePersister(cache);
    await persister.persistClient({ timestamp: 1, buster: '', clientState: { mutations: [], queries: [] } });
    await persister.flush();
    persister.persistClient({ timestamp: 2, buster: '', clientState: { mutations: [], queries: [] } });
    await persister.removeClient();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await persister.restoreClient()).toBeUndefined();
    expect(storage.items.size).toBe(0);
  });

  it('lives in a user namespace and goes with it at logout', async () => {
    const storage = new MapStorage();
    const cache = pageCache(storage);
    const user = cache.namespace('user_42');
    const persister = cachePersister(user, { throttleTime: 0 });
    await persistQueryClientSave({ queryClient: await filledClient(), persister });
    expect(storage.getItem('cache:user_42:tanstack-query')).not.toBeNull();

    await user.clear();
    expect(await persister.restoreClient()).toBeUndefined();
    expect(storage.items.size).toBe(0);
  });

  it('a client too large for the storage quota is kept in memory; saving never rejects', async () => {
    const storage = new MapStorage(400);
    const errors: unknown[] = [];
    const persister = cachePersister(pageCache(storage), { throttleTime: 0, onError: (error) => errors.push(error) });
    await expect(persistQueryClientSave({ queryClient: await filledClient(), persister })).resolves.toBeUndefined();
    expect(storage.items.size).toBe(0);
    expect(errors).toEqual([]);
    expect((await persister.restoreClient())?.clientState.queries).toHaveLength(2);
  });

  it('reports a save the cache refuses to onError instead of rejecting', async () => {
    const cache = createCache({ tiers: [memoryTier({ maxBytes: 10_000, maxEntrySize: 1_000 })], sweepInterval: 0 });
    caches.push(cache);
    const errors: unknown[] = [];
    const persister = cachePersister(cache, { throttleTime: 0, onError: (error) => errors.push(error) });
    const big: PersistedClient = {
      timestamp: 1,
      buster: 'x'.repeat(5_000),
      clientState: { mutations: [], queries: [] },
    };
    await expect(persister.persistClient(big)).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'E_CACHE_ENTRY_TOO_LARGE' });
  });

  it('ignores a value of another shape under its key, and validates its options', async () => {
    const cache = pageCache(new MapStorage());
    await cache.set('tanstack-query', { something: 'else' });
    expect(await cachePersister(cache).restoreClient()).toBeUndefined();
    expect(() => cachePersister(cache, { ttl: 0 })).toThrow(CacheOptionsError);
    expect(() => cachePersister(cache, { throttleTime: -1 })).toThrow(/throttleTime/);
    expect(() => cachePersister(cache, { key: '' })).toThrow(/key/);
  });
});
