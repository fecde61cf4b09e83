/** The admin cache API: stats, clear (all, key, prefix, tag), warm. Live data, never cached. */

import { ClearedBody, type ServerCacheStats, ServerCacheStatsSchema, WarmedBody } from '@agiletrack/domain';
import { apiJson } from './api.ts';

/** GET /api/admin/cache/stats */
export async function fetchServerStats(): Promise<ServerCacheStats> {
  return ServerCacheStatsSchema.parse(await apiJson('/api/admin/cache/stats'));
}

/** What to clear on the server. */
export type ClearTarget =
  | { readonly all: true }
  | { readonly key: string }
  | { readonly prefix: string }
  | { readonly tag: string };

/** DELETE /api/admin/cache[?key=|prefix=|tag=]; returns the server's description of what it cleared. */
export async function clearServerCache(target: ClearTarget): Promise<string> {
  const query = 'all' in target ? '' : `?${new URLSearchParams(target as Record<string, string>).toString()}`;
  const { cleared } = ClearedBody.parse(await apiJson(`/api/admin/cache${query}`, 'DELETE'));
  return typeof cleared === 'string' ? cleared : JSON.stringify(cleared);
}

/** POST /api/admin/cache/warm */
export async function warmServerCache(): Promise<{ teams: number; keys: number; ms: number }> {
  return WarmedBody.parse(await apiJson('/api/admin/cache/warm', 'POST')).warmed;
}
