/** The admin cache API: stats, clear (all, key, prefix, tag), warm. Live data, never cached. */

import type { ServerCacheStats } from '@agiletrack/domain';
import { call } from './api.ts';

/** The server's cache stats per tier. */
export async function fetchServerStats(): Promise<ServerCacheStats> {
  return call('cache.stats');
}

/** What to clear on the server. */
export type ClearTarget =
  | { readonly all: true }
  | { readonly key: string }
  | { readonly prefix: string }
  | { readonly tag: string };

/** Clears the server cache (all, or a key, prefix or tag); returns the server's description of what it cleared. */
export async function clearServerCache(target: ClearTarget): Promise<string> {
  const { cleared } = await call('cache.clear', { query: 'all' in target ? {} : target });
  return typeof cleared === 'string' ? cleared : JSON.stringify(cleared);
}

/** Warms the server cache. */
export async function warmServerCache(): Promise<{ teams: number; keys: number; ms: number }> {
  return (await call('cache.warm')).warmed;
}
