/**
 * Key families: a cache key with its ids taken out (`team_12_metrics` → `team_metrics`), the
 * unit of cache analytics, monitoring and metric labels. The set is closed, so labels built from
 * it have bounded cardinality whatever keys reach the cache.
 */

/** Every family, in the order of the key table, then the server's namespaces, then the catch-all. */
export const CACHE_FAMILIES = [
  'teams',
  'team',
  'team_integrations',
  'team_metrics',
  'integration',
  'metrics',
  'last_sync',
  'team_metrics_history',
  'metrics_history',
  'auth',
  'db',
  'other',
] as const;

/** One of {@link CACHE_FAMILIES}. */
export type CacheFamily = (typeof CACHE_FAMILIES)[number];

const NAMESPACES: ReadonlySet<string> = new Set(['auth', 'db']);

/**
 * The family of a (possibly namespaced) key. Runs on every cache operation, so it looks at the
 * key's shape with plain string tests and never throws; ids are validated where keys are built.
 */
export function cacheKeyFamily(key: string): CacheFamily {
  const colon = key.indexOf(':');
  if (colon >= 0) {
    const namespace = key.slice(0, colon);
    return NAMESPACES.has(namespace) ? (namespace as CacheFamily) : 'other';
  }
  if (key === 'teams') return 'teams';
  if (key.startsWith('team_')) {
    if (key.endsWith('_metrics')) return 'team_metrics';
    if (key.endsWith('_metrics_history')) return 'team_metrics_history';
    if (key.endsWith('_integrations')) return 'team_integrations';
    return 'team';
  }
  if (key.startsWith('integration_')) return 'integration';
  if (key.startsWith('metrics_')) return key.endsWith('_history') ? 'metrics_history' : 'metrics';
  if (key.startsWith('last_sync_')) return 'last_sync';
  return 'other';
}
