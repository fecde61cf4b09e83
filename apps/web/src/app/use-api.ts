/**
 * `useApi`: a live (uncached) read for the settings pages — users, tokens, members, the audit
 * log — at a URL from `routeUrl`. Parsed with the domain schema; `reload()` after a change. Lists
 * page with `loadMore()`.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import { api } from './api.ts';

/** What `useApi` returns. */
export interface ApiRead<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): Promise<void>;
}

/** Reads `url` (none while `url` is undefined) and parses it with `schema`. */
export function useApi<T>(url: string | undefined, schema: z.ZodType<T>): ApiRead<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(url !== undefined);
  const current = useRef(url);
  current.current = url;

  const reload = useCallback(async () => {
    if (url === undefined) return;
    setLoading(true);
    try {
      const value = schema.parse(await (await api(url)).json());
      if (current.current === url) {
        setData(value);
        setError(undefined);
      }
    } catch (caught) {
      if (current.current === url) setError(caught);
    } finally {
      if (current.current === url) setLoading(false);
    }
  }, [url, schema]);

  useEffect(() => {
    setData(undefined);
    void reload();
  }, [reload]);

  return { data, error, loading, reload };
}

/** A page of a list as the API answers it. */
export interface Paged<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** What `usePagedApi` returns. */
export interface PagedRead<T> {
  readonly items: readonly T[];
  readonly error: unknown;
  readonly loading: boolean;
  readonly more: boolean;
  loadMore(): Promise<void>;
  reload(): Promise<void>;
}

/** Reads a paginated list page by page (`?cursor=`); `toPage` picks the rows out of the body. */
export function usePagedApi<B, T>(
  url: string | undefined,
  schema: z.ZodType<B>,
  toPage: (body: B) => Paged<T>,
): PagedRead<T> {
  const [items, setItems] = useState<readonly T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(url !== undefined);
  const pick = useRef(toPage);
  pick.current = toPage;

  const fetchPage = useCallback(
    async (after: string | null): Promise<Paged<T> | undefined> => {
      if (url === undefined) return undefined;
      const separator = url.includes('?') ? '&' : '?';
      const page = after === null ? url : `${url}${separator}cursor=${encodeURIComponent(after)}`;
      const body = schema.parse(await (await api(page)).json());
      return pick.current(body);
    },
    [url, schema],
  );

  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const page = await fetchPage(null);
      setItems(page?.items ?? []);
      setCursor(page?.nextCursor ?? null);
      setError(undefined);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  }, [fetchPage]);

  const loadMore = useCallback(async () => {
    if (cursor === null) return;
    setLoading(true);
    try {
      const page = await fetchPage(cursor);
      setItems((before) => [...before, ...(page?.items ?? [])]);
      setCursor(page?.nextCursor ?? null);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  }, [cursor, fetchPage]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { items, error, loading, more: cursor !== null, loadMore, reload };
}
