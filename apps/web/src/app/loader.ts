/**
 * Fetching cached reads, and the registry of reads on screen: Force refresh and a reconnected
 * event stream act on exactly what the user is looking at.
 */
import type { Cache, FactoryContext } from '@agiletrack/cache';
import { api } from './api.ts';
import { ttlForKey } from './browser-cache.ts';
import type { Resource } from './resources.ts';

/** How a fetch treats the caches on the way. */
export type FetchMode =
  /** Revalidate: send the cached value's ETag; a `304` keeps it. */
  | 'revalidate'
  /** Force refresh: `Cache-Control: no-cache`, so the server bypasses and refills its own tiers too. */
  | 'fresh';

/** Fetches `resource` as a `getOrSet` factory; the response's ETag is stored with the value. */
export async function fetchResource<T>(resource: Resource<T>, context: FactoryContext<T>, mode: FetchMode): Promise<T> {
  const headers: Record<string, string> = {};
  if (mode === 'fresh') headers['Cache-Control'] = 'no-cache';
  else if (context.stale !== undefined && context.staleEtag !== undefined) headers['If-None-Match'] = context.staleEtag;
  const response = await api(resource.url, { headers });
  if (response.status === 304 && context.stale !== undefined) {
    context.options.etag = context.staleEtag;
    return context.stale;
  }
  const body = (await response.json()) as Record<string, unknown> | null;
  // A response that does not fit is an error, never a cached value.
  const value = resource.schema.parse(body?.[resource.field]);
  const etag = response.headers.get('ETag');
  if (etag !== null) context.options.etag = etag;
  return value;
}

interface OnScreen {
  readonly cache: Cache;
  readonly resource: Resource<unknown>;
  count: number;
}

const onScreen = new Map<string, OnScreen>();

/** Records that a component shows `resource`; returns the function that forgets it. */
export function showing(cache: Cache, resource: Resource<unknown>): () => void {
  const id = cache.prefix + resource.key;
  let item = onScreen.get(id);
  if (item === undefined) {
    item = { cache, resource, count: 0 };
    onScreen.set(id, item);
  }
  item.count++;
  const current = item;
  return () => {
    current.count--;
    if (current.count === 0 && onScreen.get(id) === current) onScreen.delete(id);
  };
}

/**
 * Reloads what is on screen through every tier. `fresh`: Force refresh (the server bypasses its
 * caches, ours are refilled); `revalidate`: a cheap check with the stored ETags, e.g. after the
 * event stream reconnected and events may have been missed. Hooks re-render from the `set` events.
 */
export async function reloadOnScreen(mode: FetchMode): Promise<number> {
  const items = [...onScreen.values()];
  await Promise.all(
    items.map(async ({ cache, resource }) => {
      const held = mode === 'revalidate' ? await cache.getEntry(resource.key) : undefined;
      const factory = (context: FactoryContext<unknown>) =>
        fetchResource(
          resource,
          held === undefined
            ? context
            : { ...context, stale: held.value, staleEtag: held.etag, options: context.options },
          mode,
        );
      await cache.getOrSet(resource.key, factory, { forceFresh: true, ttl: ttlForKey(resource.key) }).catch(() => {
        // The hook showing it keeps its value and shows its own error on its next load.
      });
    }),
  );
  return items.length;
}
