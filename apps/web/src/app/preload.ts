/**
 * Preloading: after login the dashboard fetches the teams list and the metrics of the first
 * teams it will show; hovering or focusing a link fetches its page's data. A preload is an
 * ordinary cached read (it fills the same tiers and revalidates with ETags), so opening the page
 * then renders from memory. Failures are ignored: the page reads again and shows its own error.
 */
import type { Cache, FactoryContext } from '@agiletrack/cache';
import { cacheForKey, ttlForKey, type UserCaches } from './browser-cache.ts';
import { fetchResource } from './loader.ts';
import { type Resource, resources } from './resources.ts';
import { parseRoute } from './router.ts';

/** Teams whose metrics are preloaded after login (the first of the list, as shown). */
export const PRELOADED_TEAMS = 6;

/** Reads `resource` into the user's caches unless they hold it already. */
export async function preload<T>(caches: UserCaches, resource: Resource<T>): Promise<T | undefined> {
  const cache: Cache = cacheForKey(caches, resource.key);
  const factory = (context: FactoryContext<T>) => fetchResource(resource, context, 'revalidate');
  return cache.getOrSet<T>(resource.key, factory, { ttl: ttlForKey(resource.key) }).catch(() => undefined);
}

/** The teams list, then the metrics of the first teams. */
export async function preloadAfterLogin(caches: UserCaches): Promise<void> {
  const teams = await preload(caches, resources.teams());
  await Promise.all(
    (teams ?? []).slice(0, PRELOADED_TEAMS).map((team) => preload(caches, resources.teamMetrics(team.id))),
  );
}

/** The data of the page at `href` (in-app paths only). */
export async function preloadPath(caches: UserCaches, href: string): Promise<void> {
  if (!href.startsWith('/')) return;
  const route = parseRoute(href);
  switch (route.name) {
    case 'teams':
      await preload(caches, resources.teams());
      return;
    case 'team':
      await Promise.all([
        preload(caches, resources.team(route.teamId)),
        preload(caches, resources.teamIntegrations(route.teamId)),
        preload(caches, resources.teamMetrics(route.teamId)),
      ]);
      return;
    case 'integration':
      await Promise.all([
        preload(caches, resources.integration(route.integrationId)),
        preload(caches, resources.integrationMetrics(route.integrationId)),
        preload(caches, resources.lastSync(route.integrationId)),
      ]);
      return;
    default:
      return;
  }
}
