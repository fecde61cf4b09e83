/**
 * What each tier holds per key family right now: the memory tier from its entries' own sizes
 * (exact: the bytes it counts against its bound, adding up to its total), the Redis tier from a
 * `SCAN` of its prefix with `MEMORY USAGE` on a sample of each family's keys (an estimate, and
 * labelled one). Redis figures cover every instance and are kept for a while, so the admin page can
 * poll without scanning Redis each time.
 */
import type { SyncTier } from '@agiletrack/cache/contracts';
import type { RedisClient } from '@agiletrack/cache/redis';
import { type CacheFamily, cacheKeyFamily } from '@agiletrack/domain';
import type { Holdings } from './analytics.ts';

const SAMPLE_PER_FAMILY = 10;
const MAX_SCANNED = 200_000;

/** The logical key of a Redis storage key: prefix and any `{hash tag}` taken off. */
export function logicalKey(storageKey: string, prefix: string): string | undefined {
  if (!storageKey.startsWith(prefix)) return undefined;
  const rest = storageKey.slice(prefix.length);
  // The bus, tag hash and locks live under `<prefix>:`, never a cache key.
  if (rest.startsWith(':')) return undefined;
  if (rest.startsWith('{')) {
    const end = rest.indexOf('}');
    return end === -1 ? rest : rest.slice(end + 1);
  }
  return rest;
}

type Holding = { entries: number; bytes: number | null; estimated: boolean };

/** A memory tier that reports each entry's size (`MemoryTier.entrySizes`). */
const sizesOf = (tier: SyncTier): (() => [string, number][]) | undefined => {
  const sized = tier as SyncTier & { entrySizes?: () => [string, number][] };
  return typeof sized.entrySizes === 'function' ? () => sized.entrySizes!() : undefined;
};

/**
 * Per-family entries and bytes of the memory tier, from each entry's own size. A tier that cannot
 * tell sizes gets its total shared out by entry count, marked `estimated`.
 */
export function memoryHoldings(tier: SyncTier): Partial<Record<CacheFamily, Holding>> {
  const out: Partial<Record<CacheFamily, Holding>> = {};
  const sizes = sizesOf(tier);
  if (sizes) {
    for (const [key, bytes] of sizes()) {
      const family = cacheKeyFamily(key);
      const row = out[family] ?? { entries: 0, bytes: 0, estimated: false };
      out[family] = { ...row, entries: row.entries + 1, bytes: (row.bytes ?? 0) + bytes };
    }
    return out;
  }
  const keys = tier.keys();
  const total = tier.stats().bytes;
  for (const key of keys) {
    const family = cacheKeyFamily(key);
    out[family] = { entries: (out[family]?.entries ?? 0) + 1, bytes: 0, estimated: true };
  }
  for (const row of Object.values(out)) {
    row.bytes = total === undefined || keys.length === 0 ? null : Math.round((total * row.entries) / keys.length);
  }
  return out;
}

/** Scans the Redis tier's keys (a single node or every cluster master) and samples their sizes. */
export async function redisHoldings(
  client: RedisClient,
  prefix: string,
): Promise<Partial<Record<CacheFamily, Holding>>> {
  const nodes = 'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client];
  const counts = new Map<CacheFamily, { entries: number; sample: string[]; node: (typeof nodes)[number] }>();
  let scanned = 0;
  // Hash tags and `*` in a MATCH pattern are literal only when escaped.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      cursor = next;
      for (const storageKey of keys) {
        const key = logicalKey(storageKey, prefix);
        if (key === undefined) continue;
        const family = cacheKeyFamily(key);
        let row = counts.get(family);
        if (!row) {
          row = { entries: 0, sample: [], node };
          counts.set(family, row);
        }
        row.entries++;
        if (row.sample.length < SAMPLE_PER_FAMILY && row.node === node) row.sample.push(storageKey);
      }
      scanned += keys.length;
    } while (cursor !== '0' && scanned < MAX_SCANNED);
  }
  const out: Partial<Record<CacheFamily, Holding>> = {};
  for (const [family, row] of counts) {
    const sizes = await Promise.all(row.sample.map((key) => row.node.memory('USAGE', key).catch(() => null)));
    const known = sizes.filter((size): size is number => typeof size === 'number');
    const mean = known.length === 0 ? null : known.reduce((a, b) => a + b, 0) / known.length;
    // Sampled sizes times the count: an estimate.
    out[family] = {
      entries: row.entries,
      bytes: mean === null ? null : Math.round(mean * row.entries),
      estimated: true,
    };
  }
  return out;
}

/** Holdings of every tier we can measure; Redis figures are reused for `maxAgeMs`. */
export function holdingsReader(options: {
  l1: SyncTier;
  redis: RedisClient | undefined;
  prefix: string;
  redisTierName: string;
  maxAgeMs?: number;
  now?: () => number;
}): () => Promise<Holdings> {
  const now = options.now ?? Date.now;
  let cached: { at: number; value: Promise<Holdings[string]> } | undefined;
  return async () => {
    const out: Holdings = { [options.l1.name]: memoryHoldings(options.l1) };
    if (options.redis) {
      if (!cached || now() - cached.at > (options.maxAgeMs ?? 30_000)) {
        const value = redisHoldings(options.redis, options.prefix);
        cached = { at: now(), value };
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
      }
      out[options.redisTierName] = await cached.value;
    }
    return out;
  };
}
