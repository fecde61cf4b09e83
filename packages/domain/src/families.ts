/**
 * Key families: a cache key with its ids taken out (`team_12_metrics` → `team_metrics`), the
 * unit of cache analytics, monitoring and metric labels. They come from the key shapes and the
 * server's namespaces; the set is closed, so labels built from it have bounded cardinality
 * whatever keys reach the cache.
 */
import { CACHE_NAMESPACES, KEY_SHAPES, type KeyFamily } from './keys.ts';

type Namespace = (typeof CACHE_NAMESPACES)[keyof typeof CACHE_NAMESPACES];

/** One family: a key shape's, a server namespace's, or the catch-all. */
export type CacheFamily = KeyFamily | Namespace | 'other';

/** Every family, in the order of the key table, then the server's namespaces, then the catch-all. */
export const CACHE_FAMILIES = [
  ...new Set(KEY_SHAPES.map((shape) => shape.family)),
  ...Object.values(CACHE_NAMESPACES),
  'other',
] as unknown as readonly [CacheFamily, ...CacheFamily[]];

const NAMESPACES: ReadonlySet<string> = new Set(Object.values(CACHE_NAMESPACES));

// Longest suffix first, then longest prefix: `team_1_metrics_history` is not a `team_1_metrics`.
const BY_SPECIFICITY = [...KEY_SHAPES].sort(
  (a, b) => b.suffix.length - a.suffix.length || b.prefix.length - a.prefix.length,
);

/**
 * The family of a (possibly namespaced) key. Runs on every cache operation, so it looks at the
 * key's shape with plain string tests and never throws; ids are validated where keys are built.
 */
export function cacheKeyFamily(key: string): CacheFamily {
  const colon = key.indexOf(':');
  if (colon >= 0) {
    const namespace = key.slice(0, colon);
    return NAMESPACES.has(namespace) ? (namespace as Namespace) : 'other';
  }
  for (const shape of BY_SPECIFICITY) {
    if (shape.exact ? key === shape.prefix : fits(key, shape.prefix, shape.suffix)) return shape.family;
  }
  return 'other';
}

const fits = (key: string, prefix: string, suffix: string) =>
  key.length > prefix.length + suffix.length && key.startsWith(prefix) && key.endsWith(suffix);
