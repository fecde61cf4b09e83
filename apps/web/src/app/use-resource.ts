/**
 * `useResource`: a cached API read for React, over `useCached` from @agiletrack/cache. Renders
 * from memory/localStorage at once, revalidates in the background with `If-None-Match`, refetches
 * when an event evicts the key. A cached value that fails its schema is dropped before rendering.
 */
import type { Cache, FactoryContext } from '@agiletrack/cache';
import { type UseCachedResult, useCached } from '@agiletrack/cache/adapters/react';
import { createContext, useContext, useEffect } from 'react';
import { cacheForKey, recoveries, ttlForKey, type UserCaches } from './browser-cache.ts';
import { fetchResource, showing } from './loader.ts';
import type { Resource } from './resources.ts';

/** The logged-in user's caches; provided by the app shell. */
export const UserCachesContext = createContext<UserCaches | undefined>(undefined);

/** Collects the keys a page reads, so its error boundary can drop them (see `PageBoundary`). */
export const RecoveryScopeContext = createContext<RecoveryScope | undefined>(undefined);

/** The keys a page read, by full key. */
export type RecoveryScope = Map<string, { cache: Cache; key: string }>;

// Values already checked: the memory tier hands back the same frozen object on every read.
const checked = new WeakSet<object>();

/** Drops the cached value of `key` if it does not fit `resource.schema`. */
function dropIfInvalid(cache: Cache, resource: Resource<unknown>): void {
  let value: unknown;
  try {
    value = cache.getSync(resource.key);
  } catch {
    return;
  }
  if (value === undefined || (typeof value === 'object' && value !== null && checked.has(value))) return;
  if (resource.schema.safeParse(value).success) {
    if (typeof value === 'object' && value !== null) checked.add(value);
    return;
  }
  // Synchronous tiers are cleared before `delete` returns its promise, so `useCached` sees a miss.
  void cache.delete(resource.key);
  recoveries.schemaDrops++;
}

/** The caches of the logged-in user. */
export function useUserCaches(): UserCaches {
  const caches = useContext(UserCachesContext);
  if (caches === undefined) throw new Error('useUserCaches needs a logged-in user');
  return caches;
}

/**
 * Reads `resource` through the user's caches. A value rendered from cache is revalidated on
 * mount unless `revalidateOnMount` is false (invalidation events still refetch it).
 */
export function useResource<T>(
  resource: Resource<T>,
  options: { revalidateOnMount?: boolean } = {},
): UseCachedResult<T> {
  const caches = useUserCaches();
  const cache = cacheForKey(caches, resource.key);
  useContext(RecoveryScopeContext)?.set(cache.prefix + resource.key, { cache, key: resource.key });
  dropIfInvalid(cache, resource as Resource<unknown>);

  useEffect(() => showing(cache, resource as Resource<unknown>), [cache, resource]);

  // `useCached` always calls the newest fetcher, so this one need not keep its identity.
  const fetcher = (context: FactoryContext<T>) => fetchResource(resource, context, 'revalidate');
  return useCached<T>(cache, resource.key, fetcher, { ttl: ttlForKey(resource.key), ...options });
}
