/**
 * A React hook (React 18 and 19) over an @agiletrack/cache: render from the browser tiers at
 * once, revalidate in the background (stale-while-revalidate), refetch when the key is
 * invalidated.
 *
 *   // once, at module scope (a cache or namespace view created in render would refetch every render)
 *   const memory = memoryTier({ ttl: hours(4) });
 *   const storage = webStorageTier();
 *   export const cache = createCache({ tiers: [memory, storage], ttl: days(3) });
 *   linkTabs(storage, [memory], notifyExternalChange);
 *
 *   function Teams() {
 *     const { data, error, isLoading, isRevalidating, refresh } = useCached(cache, 'teams', async ({ staleEtag, stale, options }) => {
 *       const res = await fetch('/api/teams', { headers: staleEtag ? { 'If-None-Match': staleEtag } : {} });
 *       if (res.status === 304) return stale;              // unchanged: keep what we have
 *       options.etag = res.headers.get('ETag') ?? undefined;
 *       return res.json();
 *     }, { tags: ['table:teams'] });
 *     if (isLoading) return <Spinner />;
 *     return <TeamList teams={data} stale={isRevalidating} onReload={() => refresh(true)} error={error} />;
 *   }
 *
 * - First render: `cache.getSync(key)` (memory, then localStorage). With a value, `isLoading` is
 *   false and the fetcher runs in the background (`isRevalidating`), unless `revalidateOnMount`
 *   is false. Without one, `getOrSet` loads it through every tier (one call shared by all hooks).
 * - The fetcher is a `getOrSet` factory; on a revalidation it receives the value it is
 *   revalidating as `stale` with its `staleEtag`, so it can answer a `304` cheaply.
 * - `refresh()` reads through the cache (calls the fetcher only if the value is missing or
 *   expired); `refresh(true)` calls it always (`getOrSet` with `forceFresh: true`). It never
 *   rejects: a failure lands in `error`, and the last good `data` stays.
 * - Invalidation: a `delete` of the key, a `clear` of a prefix of it, or an `invalidateTags` that
 *   makes it a miss refetches it; a `set` of the key elsewhere re-renders with the new value; a
 *   change made by another tab arrives through `notifyExternalChange` (see `linkTabs`).
 * - Mounted hooks with the same cache and key share one background revalidation.
 */
import { useCallback, useEffect, useLayoutEffect, useReducer, useRef } from 'react';
import type { Cache, CacheStatus, Factory, GetOrSetOptions } from '../cache.ts';

/** Options of {@link useCached}: the `getOrSet` write options plus when to fetch. */
export interface UseCachedOptions extends Omit<GetOrSetOptions, 'forceFresh' | 'status'> {
  /**
   * When false, only the cached value is shown: nothing is fetched and events are ignored.
   * @default true
   */
  enabled?: boolean;
  /**
   * Revalidate in the background on mount when a cached value was rendered.
   * @default true
   */
  revalidateOnMount?: boolean;
  /**
   * Refetch when the key is deleted, cleared or tag-invalidated. When false, `data` just
   * becomes `undefined`.
   * @default true
   */
  refetchOnInvalidate?: boolean;
}

/** What {@link useCached} returns. */
export interface UseCachedResult<V> {
  /** The value: cached, then revalidated. Kept when a refetch fails. */
  data: V | undefined;
  /** The last fetch error, cleared by the next success. */
  error: unknown;
  /** No value yet and one is being fetched. */
  isLoading: boolean;
  /** A value is shown and a newer one is being fetched. */
  isRevalidating: boolean;
  /** Reads through the cache again; `true` calls the fetcher whatever the cache holds. Never rejects. */
  refresh(force?: boolean): Promise<V | undefined>;
}

interface State<V> {
  readonly cache: Cache;
  readonly key: string;
  readonly data: V | undefined;
  readonly error: unknown;
  readonly fetching: boolean;
}

/** Which cache and key an action is about: an answer for a key the hook no longer shows is dropped. */
interface Target {
  readonly cache: Cache;
  readonly key: string;
}

type Action<V> =
  | { readonly type: 'reset'; readonly state: State<V> }
  | { readonly type: 'start'; readonly to: Target }
  | { readonly type: 'success'; readonly to: Target; readonly data: V | undefined }
  | { readonly type: 'failure'; readonly to: Target; readonly error: unknown }
  | { readonly type: 'read'; readonly to: Target; readonly data: V | undefined };

function reducer<V>(state: State<V>, action: Action<V>): State<V> {
  if (action.type === 'reset') return action.state;
  if (action.to.key !== state.key || action.to.cache !== state.cache) return state;
  switch (action.type) {
    case 'start':
      return state.fetching ? state : { ...state, fetching: true };
    case 'success':
      return { ...state, data: action.data, error: undefined, fetching: false };
    case 'failure':
      return { ...state, error: action.error, fetching: false };
    case 'read':
      return action.data === state.data ? state : { ...state, data: action.data };
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}

/** Reads the synchronous tiers; a bad key becomes the hook's error instead of a render crash. */
function readSync<V>(cache: Cache, key: string, status?: CacheStatus): { data: V | undefined; error: unknown } {
  try {
    return { data: cache.getSync<V>(key, status && { status }), error: undefined };
  } catch (error) {
    return { data: undefined, error };
  }
}

function initialState<V>(cache: Cache, key: string, options: UseCachedOptions): State<V> {
  const { data, error } = readSync<V>(cache, key);
  // The mount effect will fetch: say so from the first render, so no frame shows "not loading, no data".
  // A key the cache refuses is an error at once: nothing will be fetched for it.
  const fetching =
    error === undefined && (options.enabled ?? true) && (data === undefined || (options.revalidateOnMount ?? true));
  return { cache, key, data, error, fetching };
}

const listeners = new Set<(key: string | undefined, cause: object) => void>();

/**
 * Tells mounted {@link useCached} hooks that `key` (a full cache key, namespace included) was
 * changed outside this page's cache — by another tab — or, with `undefined`, that everything
 * may have changed. Pass it as `linkTabs`' third argument.
 */
export function notifyExternalChange(key: string | undefined): void {
  const cause = {};
  for (const listener of listeners) listener(key, cause);
}

interface Flight {
  readonly promise: Promise<unknown>;
  /** What started it: hooks reacting to the same event share it; a newer event starts another. */
  readonly cause: object | undefined;
}

const flights = new WeakMap<Cache, Map<string, Flight>>();

/** A forced `getOrSet`, shared by hooks that revalidate the same key for the same reason. */
function forcedLoad<V>(
  cache: Cache,
  key: string,
  factory: Factory<V>,
  options: GetOrSetOptions,
  cause: object | undefined,
) {
  let byKey = flights.get(cache);
  if (byKey === undefined) {
    byKey = new Map();
    flights.set(cache, byKey);
  }
  const current = byKey.get(key);
  if (current !== undefined && (cause === undefined || current.cause === cause)) return current.promise as Promise<V>;
  const promise = cache.getOrSet(key, factory, { ...options, forceFresh: true });
  const flight: Flight = { promise, cause };
  byKey.set(key, flight);
  const done = (): void => {
    if (byKey.get(key) === flight) byKey.delete(key);
  };
  promise.then(done, done);
  return promise;
}

const useIsomorphicLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/** See the file comment. `cache` may be a namespace view; keep its identity stable across renders. */
export function useCached<V>(
  cache: Cache,
  key: string,
  fetcher: Factory<V>,
  options: UseCachedOptions = {},
): UseCachedResult<V> {
  const [stored, dispatch] = useReducer(reducer<V>, undefined, () => initialState<V>(cache, key, options));
  let state = stored;
  if (state.cache !== cache || state.key !== key) {
    // Another key: show its cached value in this very render (React re-renders before committing).
    state = initialState<V>(cache, key, options);
    dispatch({ type: 'reset', state });
  }
  const enabled = options.enabled ?? true;

  // The latest fetcher and options, read by callbacks without making them change identity.
  const latest = useRef({ fetcher, options, data: state.data });
  useIsomorphicLayoutEffect(() => {
    latest.current = { fetcher, options, data: state.data };
  });
  // Only the newest fetch of this hook may settle its state.
  const sequence = useRef(0);

  const run = useCallback(
    (force: boolean, cause?: object): Promise<V | undefined> => {
      const seq = ++sequence.current;
      const to: Target = { cache, key };
      dispatch({ type: 'start', to });
      const { options: current } = latest.current;
      const { enabled: _e, revalidateOnMount: _r, refetchOnInvalidate: _i, ...writeOptions } = current;
      // Hand the fetcher what it is revalidating (a forced load has no stale value of its own).
      const factory: Factory<V> = (context) => {
        const fetch = latest.current.fetcher;
        if (context.stale !== undefined) return fetch(context);
        const status: CacheStatus = {};
        const { data } = readSync<V>(cache, key, status);
        return data === undefined ? fetch(context) : fetch({ ...context, stale: data, staleEtag: status.etag });
      };
      let promise: Promise<V>;
      try {
        promise = force
          ? forcedLoad(cache, key, factory, writeOptions, cause)
          : cache.getOrSet(key, factory, writeOptions);
      } catch (error) {
        promise = Promise.reject(error);
      }
      return promise.then(
        (data) => {
          if (seq === sequence.current) dispatch({ type: 'success', to, data });
          return data;
        },
        (error: unknown) => {
          if (seq === sequence.current) dispatch({ type: 'failure', to, error });
          return latest.current.data;
        },
      );
    },
    [cache, key],
  );

  // Mount (and key change): load what is missing, revalidate what was rendered from cache.
  useEffect(() => {
    if (!enabled || readSync<V>(cache, key).error !== undefined) return;
    const { data, options: current } = latest.current;
    if (data === undefined) void run(false);
    else if (current.revalidateOnMount ?? true) void run(true);
  }, [cache, key, enabled, run]);

  // Invalidations and writes made elsewhere.
  useEffect(() => {
    if (!enabled) return;
    const full = cache.prefix + key;
    const to: Target = { cache, key };
    const invalidated = (cause: object): void => {
      const current = latest.current.options;
      if (current.refetchOnInvalidate ?? true) void run(true, cause);
      else dispatch({ type: 'read', to, data: undefined });
    };
    const reread = (cause: object): void => {
      const { data } = readSync<V>(cache, key);
      if (data === undefined) invalidated(cause);
      else dispatch({ type: 'read', to, data });
    };
    const offs = [
      cache.on('set', (event) => {
        if (event.key !== full) return;
        const { data } = readSync<V>(cache, key);
        if (data !== undefined) dispatch({ type: 'read', to, data });
      }),
      cache.on('delete', (event) => {
        if (event.keys.includes(full)) invalidated(event);
      }),
      cache.on('clear', (event) => {
        if (full.startsWith(event.prefix)) invalidated(event);
      }),
      cache.on('invalidate-tags', (event) => {
        const tags = latest.current.options.tags;
        const ours = tags !== undefined && event.tags.some((tag) => tags.includes(tag));
        // The entry may carry tags this hook did not write: reading it tells whether it died.
        if (ours || (latest.current.data !== undefined && readSync<V>(cache, key).data === undefined)) {
          invalidated(event);
        }
      }),
    ];
    const external = (changed: string | undefined, cause: object): void => {
      if (changed === undefined || changed === full) reread(cause);
    };
    listeners.add(external);
    return () => {
      listeners.delete(external);
      for (const off of offs) off();
    };
  }, [cache, key, enabled, run]);

  const refresh = useCallback((force = false) => run(force, force ? {} : undefined), [run]);

  return {
    data: state.data,
    error: state.error,
    isLoading: state.fetching && state.data === undefined,
    isRevalidating: state.fetching && state.data !== undefined,
    refresh,
  };
}
