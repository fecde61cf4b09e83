/**
 * A TanStack Query persister backed by an @agiletrack/cache: the `Persister` interface of
 * `@tanstack/query-persist-client-core` (`persistClient` / `restoreClient` / `removeClient`),
 * the one TanStack documents for `PersistQueryClientProvider` and `persistQueryClient` (v5).
 * (The per-query `experimental_createQueryPersister` is still marked experimental there.)
 *
 *   import { PersistQueryClientProvider } from '@tanstack/react-query-persist-client';
 *   const persister = cachePersister(cache.namespace(`user_${userId}`), { ttl: days(1) });
 *   <PersistQueryClientProvider client={queryClient} persistOptions={{ persister, maxAge: days(1) }}>
 *
 *   // without React
 *   const [unsubscribe, restored] = persistQueryClient({ queryClient, persister, maxAge: days(1) });
 *
 * The dehydrated client is stored as one cache entry, so it goes through the cache's tiers and
 * inherits their behaviour: the web-storage tier's quota handling and 3-day cap, the memory
 * tier's bounds, the cache's codec (compression above 1 kB; Dates, Maps and Sets survive), and
 * namespaces (a user's namespace is cleared at logout with the rest of that user's data).
 * Keep `ttl` at least TanStack's `maxAge`, or the client is gone before TanStack would drop it.
 */
import type { PersistedClient, Persister } from '@tanstack/query-persist-client-core';
import { CacheOptionsError } from '../errors.ts';
import type { Ms } from '../types.ts';
import { checkDuration, checkInt } from '../validate.ts';

/** The part of a cache the persister uses; `createCache` and `cache.namespace()` provide it. */
export interface PersisterCache {
  get<V = unknown>(key: string): Promise<V | undefined>;
  set<V>(key: string, value: V, options?: { ttl?: Ms }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Persister options. Every default is here. */
export interface CachePersisterOptions {
  /**
   * The cache key of the persisted client (the cache's key rules apply: no `:`).
   * @default 'tanstack-query'
   */
  key?: string;
  /**
   * How long the persisted client stays in the cache (ms); tiers may keep it shorter.
   * @default 86_400_000 (24 h, TanStack's default maxAge)
   */
  ttl?: Ms;
  /**
   * Saves at most once per this many ms, the latest state winning (TanStack calls
   * `persistClient` on every query change). 0 writes on every call.
   * @default 1_000
   */
  throttleTime?: Ms;
  /** Called when a save fails (e.g. a value the codec cannot store). Saving never rejects. */
  onError?: (error: unknown) => void;
}

/** A {@link Persister} that can also write a pending throttled save at once. */
export interface CachePersister extends Persister {
  /** Writes the pending throttled save now (before the page unloads, in tests). */
  flush(): Promise<void>;
}

function isPersistedClient(value: unknown): value is PersistedClient {
  if (typeof value !== 'object' || value === null) return false;
  const client = value as Partial<PersistedClient>;
  return typeof client.timestamp === 'number' && typeof client.clientState === 'object' && client.clientState !== null;
}

/** Creates a persister storing the client under `options.key` in `cache`. */
export function cachePersister(cache: PersisterCache, options: CachePersisterOptions = {}): CachePersister {
  checkDuration('ttl', options.ttl);
  checkInt('throttleTime', options.throttleTime, 0);
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key.length === 0)) {
    throw new CacheOptionsError('key must be a non-empty string');
  }
  const key = options.key ?? 'tanstack-query';
  const ttl = options.ttl ?? 86_400_000;
  const throttleTime = options.throttleTime ?? 1_000;
  const onError = options.onError;
  let pending: PersistedClient | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const save = (client: PersistedClient): Promise<void> =>
    cache.set(key, client, { ttl }).catch((error: unknown) => {
      onError?.(error);
    });

  const flush = async (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const client = pending;
    pending = undefined;
    if (client !== undefined) await save(client);
  };

  return {
    persistClient(client) {
      if (throttleTime === 0) return save(client);
      pending = client;
      timer ??= setTimeout(() => void flush(), throttleTime);
    },

    async restoreClient() {
      await flush();
      const value = await cache.get(key);
      // Something else under our key (another version's format) is no client to hydrate.
      return isPersistedClient(value) ? value : undefined;
    },

    async removeClient() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      await cache.delete(key);
    },

    flush,
  };
}
