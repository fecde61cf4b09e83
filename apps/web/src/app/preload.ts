/**
 * Preloading: after login the dashboard fetches the teams list and the metrics of the first
 * teams it will show (in one request, the teams overview); hovering or focusing a link fetches
 * its page's data. A preload is an ordinary cached read (it fills the same tiers, under the same
 * keys), so opening the page then renders from memory. Failures are ignored: the page reads
 * again and shows its own error.
 */
import type { Cache, FactoryContext } from '@agiletrack/cache';
import type { TeamMetrics } from '@agiletrack/domain';
import { call } from './api.ts';
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

/**
 * The metrics of the first teams of the list, each under its own key (`team_{id}_metrics`): the
 * ones no browser tier holds come from one request for the first page of the teams overview.
 */
export async function preloadTeamsMetrics(caches: UserCaches, teamIds: readonly number[]): Promise<void> {
  const teamOf = new Map<string, number>(teamIds.map((id) => [resources.teamMetrics(id).key, id]));
  const keys = [...teamOf.keys()];
  if (keys.length === 0) return;
  const loadMany = async (missing: string[]) => {
    // The overview pages the same list as /api/teams, in the same order.
    const { teams } = await call('metrics.teamsOverview', { query: { limit: teamIds.length } });
    const byTeam = new Map(teams.map((metrics) => [metrics.teamId, metrics]));
    // A team the page did not answer is not stored: its own page reads it.
    return missing.map((key) => byTeam.get(teamOf.get(key)!));
  };
  await cacheForKey(caches, keys[0]!)
    .getOrSetMany<TeamMetrics | undefined>(keys, loadMany, { ttl: ttlForKey(keys[0]!) })
    .catch(() => undefined);
}

/** The teams list, then the metrics of the first teams. */
export async function preloadAfterLogin(caches: UserCaches): Promise<void> {
  const teams = await preload(caches, resources.teams());
  await preloadTeamsMetrics(
    caches,
    (teams ?? []).slice(0, PRELOADED_TEAMS).map((team) => team.id),
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
