/**
 * The dashboard's caches, per the policy table in @agiletrack/domain:
 *
 *   persistent: memory (4 h) → localStorage (3 d, `agiletrack_…`)  teams, a team, its integrations,
 *                                                                   integration details, basic metrics
 *   session:    memory (4 h) only                                   an integration's metrics, last-sync
 *                                                                   status, session-specific variants
 *
 * Both are namespaced per user (`u12:`), so a shared computer never shows one user's teams to the
 * next, and logging out clears exactly that user's entries. Nothing sensitive is written: the
 * API never returns credentials, and the web-storage tier refuses entries marked `sensitive`.
 */
import { type Cache, type CacheStats, createCache } from '@agiletrack/cache';
import { notifyExternalChange } from '@agiletrack/cache/adapters/react';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import {
  estimateStorage,
  linkTabs,
  type StorageEstimateReport,
  type WebStorageTierStats,
  webStorageTier,
} from '@agiletrack/cache/tiers/web-storage';
import { type BrowserTier, DEFAULT_CACHE_POLICY, type PolicyRow, policyFor } from '@agiletrack/domain';
import { z } from 'zod';
import { WINDOW_SUFFIX, windowVariantsOf } from './resources.ts';

const ROWS: readonly PolicyRow[] = Object.values(DEFAULT_CACHE_POLICY);
const longest = (tier: BrowserTier) =>
  Math.max(
    ...ROWS.flatMap((row) => [
      row.browserTier === tier ? row.browserTtlMs : 0,
      row.sessionVariantTier === tier ? (row.sessionVariantTtlMs ?? 0) : 0,
    ]),
  );

/** The longest lifetime the policy gives a localStorage entry (3 days): the tier's own bound. */
export const LOCAL_STORAGE_TTL_MS = longest('localStorage');
/** The longest lifetime the policy gives a browser-memory entry (4 hours): the tier's own bound. */
export const MEMORY_TTL_MS = longest('memory');

const memory = memoryTier({ name: 'memory', ttl: MEMORY_TTL_MS, maxBytes: 16 * 1024 * 1024 });
/**
 * The localStorage tier, under the dashboard's own prefix `agiletrack_`. localStorage holds about
 * 5 MB per origin: entries above 8 KB (metric histories) are compressed by the browser's
 * `CompressionStream`; smaller ones stay readable JSON.
 */
export const storageTier = webStorageTier({
  name: 'localStorage',
  prefix: 'agiletrack_',
  ttl: LOCAL_STORAGE_TTL_MS,
  compressAbove: 8_192,
});

/**
 * Entries that survive a reload. The codec leaves compression to the tier (no zlib in a browser,
 * and tests under Node then take the same path).
 */
const persistentRoot = createCache({
  tiers: [memory, storageTier],
  ttl: LOCAL_STORAGE_TTL_MS,
  codec: { compression: false },
});

/** Resolves once the compressed entries of an earlier visit are readable (the cache has attached the tier). */
export const storageReady: Promise<void> = storageTier.ready();

/** Entries that die with the page. */
const sessionRoot = createCache({
  tiers: [memoryTier({ name: 'session-memory', ttl: MEMORY_TTL_MS, maxBytes: 8 * 1024 * 1024 })],
  ttl: MEMORY_TTL_MS,
});

// Another tab changed one of our keys: drop the memory copy and re-render the hooks showing it.
linkTabs(storageTier, [memory], notifyExternalChange);

/** One user's two caches. Identities are stable, as `useCached` requires. */
export interface UserCaches {
  readonly userId: number;
  readonly persistent: Cache;
  readonly session: Cache;
}

const byUser = new Map<number, UserCaches>();

/** The caches of `userId`, namespaced `u{userId}`. */
export function cachesFor(userId: number): UserCaches {
  let caches = byUser.get(userId);
  if (caches === undefined) {
    const name = `u${userId}`;
    caches = { userId, persistent: persistentRoot.namespace(name), session: sessionRoot.namespace(name) };
    byUser.set(userId, caches);
  }
  return caches;
}

/** The policy row of `key`, or of the key it is a session variant of (`team_3_metrics_w7`). */
function placeOf(key: string): { tier: BrowserTier; ttl: number } | undefined {
  try {
    const row = policyFor(key);
    return { tier: row.browserTier, ttl: row.browserTtlMs };
  } catch {
    // Not a policy key: maybe a session variant of one.
  }
  const at = key.lastIndexOf(WINDOW_SUFFIX);
  if (at <= 0) return undefined;
  try {
    const row = policyFor(key.slice(0, at));
    if (row.sessionVariantTier === null || row.sessionVariantTtlMs === null) return undefined;
    return { tier: row.sessionVariantTier, ttl: row.sessionVariantTtlMs };
  } catch {
    return undefined;
  }
}

/** Where the policy keeps `key` in the browser (a session variant where its row says); unknown keys stay in memory. */
export function browserTierOf(key: string): BrowserTier {
  return placeOf(key)?.tier ?? 'memory';
}

/** The cache `key` belongs in. */
export function cacheForKey(caches: UserCaches, key: string): Cache {
  return browserTierOf(key) === 'localStorage' ? caches.persistent : caches.session;
}

/** The browser TTL the policy gives `key` (its row's, or its session-variant TTL). */
export function ttlForKey(key: string): number {
  return placeOf(key)?.ttl ?? MEMORY_TTL_MS;
}

/** Drops `keys` from both of the user's caches (an invalidation names logical keys, not tiers). */
export async function evictKeys(caches: UserCaches, keys: readonly string[]): Promise<void> {
  const valid = keys.filter((key) => {
    try {
      policyFor(key);
      return true;
    } catch {
      return false;
    }
  });
  if (valid.length === 0) return;
  await Promise.all([caches.persistent.deleteMany(valid), caches.session.deleteMany(valid)]);
  // Custom-window variants of a metrics key (or of its history) go stale with it.
  await Promise.all(
    valid
      .filter((key) => key.endsWith('_metrics') || key.endsWith('_metrics_history'))
      .map((key) => caches.session.clear(windowVariantsOf(key))),
  );
}

/** Removes every entry of the user, in memory and in localStorage. */
export async function clearUser(userId: number): Promise<void> {
  const caches = cachesFor(userId);
  await Promise.all([caches.persistent.clear(), caches.session.clear()]);
}

// --- who is logged in, remembered so a reload can render before /api/me answers ---------------

const CURRENT_USER_KEY = 'me';

/** What is remembered about the logged-in user: enough to pick the namespace and the menus. */
export const RememberedUserSchema = z.object({
  userId: z.number().int().positive(),
  name: z.string(),
  role: z.enum(['admin', 'member']),
});
export type RememberedUser = z.infer<typeof RememberedUserSchema>;

/** The user remembered by this browser, if any (and only if it still parses). */
export function rememberedUser(): RememberedUser | undefined {
  let raw: unknown;
  try {
    raw = persistentRoot.getSync(CURRENT_USER_KEY);
  } catch {
    return undefined;
  }
  if (raw === undefined) return undefined;
  const parsed = RememberedUserSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  void persistentRoot.delete(CURRENT_USER_KEY);
  recoveries.schemaDrops++;
  return undefined;
}

/** Remembers the logged-in user (no email, no token: the session cookie is httpOnly). */
export async function rememberUser(user: RememberedUser): Promise<void> {
  const { userId, name, role } = user;
  await persistentRoot.set(CURRENT_USER_KEY, { userId, name, role }, { ttl: LOCAL_STORAGE_TTL_MS });
}

/** Forgets the logged-in user. */
export async function forgetUser(): Promise<void> {
  await persistentRoot.delete(CURRENT_USER_KEY);
}

// --- observability -------------------------------------------------------------------------------

/** Recoveries from bad cached data, shown in the cache monitor. */
export const recoveries = {
  /** Cached values dropped because they failed their schema. */
  schemaDrops: 0,
  /** Pages re-rendered from the network after crashing on cached data. */
  boundaryResets: 0,
};

/** Everything the cache monitor shows about the browser side. */
export interface BrowserCacheStats {
  persistent: CacheStats;
  session: CacheStats;
  localStorage: WebStorageTierStats;
  recoveries: typeof recoveries;
}

/** Counters of both caches and of the localStorage tier. */
export function browserCacheStats(): BrowserCacheStats {
  return {
    persistent: persistentRoot.stats(),
    session: sessionRoot.stats(),
    localStorage: storageTier.stats(),
    recoveries: { ...recoveries },
  };
}

/** The browser's usage and quota for this origin (`navigator.storage.estimate()`). */
export function storageEstimate(): Promise<StorageEstimateReport | undefined> {
  return estimateStorage();
}

declare global {
  interface Window {
    /** For tests and the curious: the browser cache's counters. */
    __agiletrackCache?: { stats(): BrowserCacheStats; estimate(): Promise<StorageEstimateReport | undefined> };
  }
}

if (typeof window !== 'undefined') {
  window.__agiletrackCache = { stats: browserCacheStats, estimate: storageEstimate };
}
