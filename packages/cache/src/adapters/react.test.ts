// @vitest-environment happy-dom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Cache, createCache, type FactoryContext } from '../cache.ts';
import { memoryTier } from '../tiers/memory.ts';
import { linkTabs, webStorageTier } from '../tiers/web-storage.ts';
import { notifyExternalChange, type UseCachedOptions, useCached } from './react.ts';

const caches: Cache[] = [];
afterEach(async () => {
  cleanup();
  for (const cache of caches.splice(0)) await cache.close();
  localStorage.clear();
});

function newCache(): Cache {
  const cache = createCache({ tiers: [memoryTier()], ttl: 60_000, sweepInterval: 0 });
  caches.push(cache);
  return cache;
}

/** A fetcher whose answers the test releases one by one. */
function controlled<V>() {
  const calls: { context: FactoryContext<V>; resolve(value: V): void; reject(error: unknown): void }[] = [];
  const fetcher = vi.fn(
    (context: FactoryContext<V>) =>
      new Promise<V>((resolve, reject) => {
        calls.push({ context, resolve, reject });
      }),
  );
  return { fetcher, calls };
}

function mount<V>(
  cache: Cache,
  key: string,
  fetcher: (context: FactoryContext<V>) => Promise<V>,
  options?: UseCachedOptions,
) {
  return renderHook((props: { key: string }) => useCached<V>(cache, props.key, fetcher, options), {
    initialProps: { key },
  });
}

describe('useCached', () => {
  it('renders the cached value on the first render, then revalidates in the background', async () => {
    const cache = newCache();
    await cache.set('teams', ['cached'], { etag: '"v1"' });
    const { fetcher, calls } = controlled<string[]>();
    const renders: (string[] | undefined)[] = [];
    const { result } = renderHook(() => {
      const state = useCached(cache, 'teams', fetcher);
      renders.push(state.data);
      return state;
    });

    expect(renders[0]).toEqual(['cached']);
    expect(result.current).toMatchObject({ data: ['cached'], isLoading: false, isRevalidating: true });
    await waitFor(() => expect(calls).toHaveLength(1));
    // The fetcher gets what it revalidates, to answer a 304 cheaply.
    expect(calls[0]!.context.stale).toEqual(['cached']);
    expect(calls[0]!.context.staleEtag).toBe('"v1"');

    await act(async () => calls[0]!.resolve(['fresh']));
    expect(result.current).toMatchObject({
      data: ['fresh'],
      isLoading: false,
      isRevalidating: false,
      error: undefined,
    });
    expect(cache.getSync('teams')).toEqual(['fresh']);
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('loads a missing value once for every hook that wants it', async () => {
    const cache = newCache();
    const { fetcher, calls } = controlled<number>();
    const first = mount(cache, 'team_1', fetcher);
    const second = mount(cache, 'team_1', fetcher);
    expect(first.result.current).toMatchObject({ data: undefined, isLoading: true, isRevalidating: false });

    await waitFor(() => expect(calls).toHaveLength(1));
    await act(async () => calls[0]!.resolve(42));
    expect(first.result.current).toMatchObject({ data: 42, isLoading: false });
    expect(second.result.current).toMatchObject({ data: 42, isLoading: false });
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('shares one background revalidation between hooks, also under StrictMode', async () => {
    const cache = newCache();
    await cache.set('teams', ['cached']);
    const fetcher = vi.fn(async () => ['fresh']);
    const { result } = renderHook(() => useCached(cache, 'teams', fetcher), { reactStrictMode: true });
    renderHook(() => useCached(cache, 'teams', fetcher));
    await waitFor(() => expect(result.current.data).toEqual(['fresh']));
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('does not revalidate on mount when told not to, and fetches nothing when disabled', async () => {
    const cache = newCache();
    await cache.set('teams', ['cached']);
    const fetcher = vi.fn(async () => ['fresh']);
    const quiet = mount(cache, 'teams', fetcher, { revalidateOnMount: false });
    const off = mount(cache, 'other', fetcher, { enabled: false });
    await act(async () => {});
    expect(quiet.result.current).toMatchObject({ data: ['cached'], isRevalidating: false });
    expect(off.result.current).toMatchObject({ data: undefined, isLoading: false });
    expect(fetcher).not.toHaveBeenCalled();
  });

  it('refresh() reads through the cache; refresh(true) always calls the fetcher', async () => {
    const cache = newCache();
    let version = 0;
    const fetcher = vi.fn(async () => ++version);
    const { result } = mount(cache, 'count', fetcher);
    await waitFor(() => expect(result.current.data).toBe(1));

    await act(async () => {
      expect(await result.current.refresh()).toBe(1);
    });
    expect(fetcher).toHaveBeenCalledTimes(1);

    await act(async () => {
      expect(await result.current.refresh(true)).toBe(2);
    });
    expect(result.current.data).toBe(2);
    expect(cache.getSync('count')).toBe(2);
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it('refetches when its key is deleted, its namespace cleared or its tag invalidated', async () => {
    const root = newCache();
    const cache = root.namespace('user_42');
    let version = 0;
    const fetcher = vi.fn(async () => `v${++version}`);
    const { result } = mount(cache, 'team_1', fetcher, { tags: ['team:1'] });
    await waitFor(() => expect(result.current.data).toBe('v1'));

    await act(() => cache.delete('team_1'));
    await waitFor(() => expect(result.current.data).toBe('v2'));

    await act(() => cache.clear()); // logout: the namespace's clear
    await waitFor(() => expect(result.current.data).toBe('v3'));

    await act(() => root.invalidateTags(['team:1']));
    await waitFor(() => expect(result.current.data).toBe('v4'));

    await act(() => root.invalidateTags(['team:2']));
    await act(() => root.delete('team_1')); // the root's team_1 is another key
    expect(result.current.data).toBe('v4');
    expect(fetcher).toHaveBeenCalledTimes(4);
  });

  it('shows a value written elsewhere without fetching', async () => {
    const cache = newCache();
    const fetcher = vi.fn(async () => 'fetched');
    const { result } = mount(cache, 'teams', fetcher);
    await waitFor(() => expect(result.current.data).toBe('fetched'));
    await act(() => cache.set('teams', 'written'));
    expect(result.current.data).toBe('written');
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('keeps the last good value and reports the error when a revalidation fails', async () => {
    const cache = newCache();
    await cache.set('teams', ['cached']);
    const { fetcher, calls } = controlled<string[]>();
    const { result } = mount(cache, 'teams', fetcher);
    await waitFor(() => expect(calls).toHaveLength(1));
    const failure = new Error('API down');
    await act(async () => calls[0]!.reject(failure));
    expect(result.current).toMatchObject({ data: ['cached'], error: failure, isRevalidating: false, isLoading: false });
  });

  it('reports an invalid key as an error instead of crashing the render', async () => {
    const cache = newCache();
    const fetcher = vi.fn(async () => 1);
    const { result } = mount(cache, 'bad:key', fetcher);
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'E_CACHE_KEY_INVALID' }));
    expect(result.current.isLoading).toBe(false);
    expect(fetcher).not.toHaveBeenCalled();
  });

  it('switching keys shows the new key’s cached value at once and ignores the old answer', async () => {
    const cache = newCache();
    await cache.set('team_2', 'two (cached)');
    const { fetcher, calls } = controlled<string>();
    const { result, rerender } = mount(cache, 'team_1', fetcher);
    await waitFor(() => expect(calls).toHaveLength(1));

    rerender({ key: 'team_2' });
    expect(result.current.data).toBe('two (cached)');
    await act(async () => calls[0]!.resolve('one'));
    expect(result.current.data).toBe('two (cached)');
    await waitFor(() => expect(calls).toHaveLength(2));
    await act(async () => calls[1]!.resolve('two'));
    expect(result.current.data).toBe('two');
  });

  it('re-reads a key another tab changed (linkTabs + notifyExternalChange)', async () => {
    const memory = memoryTier();
    const storage = webStorageTier({ window: null });
    const cache = createCache({ tiers: [memory, storage], ttl: 60_000, sweepInterval: 0 });
    const otherTab = createCache({ tiers: [webStorageTier({ window: null })], ttl: 60_000, sweepInterval: 0 });
    caches.push(cache, otherTab);
    const unlink = linkTabs(storage, [memory], notifyExternalChange);
    await cache.set('teams', ['mine']);
    const fetcher = vi.fn(async () => ['fetched']);
    const { result } = mount(cache, 'teams', fetcher, { revalidateOnMount: false });
    expect(result.current.data).toEqual(['mine']);

    await otherTab.set('teams', ['theirs']);
    act(() => storage.onExternalChange?.('teams')); // what the browser's storage event triggers
    expect(result.current.data).toEqual(['theirs']);

    await otherTab.delete('teams');
    act(() => storage.onExternalChange?.('teams'));
    await waitFor(() => expect(result.current.data).toEqual(['fetched']));
    unlink();
  });
});
