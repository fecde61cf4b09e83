/**
 * Every cached read of the dashboard: its logical key (from @agiletrack/domain, so browser and
 * server agree on names), its URL, and the schema of the value kept under the key.
 */
import {
  cacheKeys,
  DEFAULT_METRIC_WINDOW,
  type Integration,
  type IntegrationMetrics,
  IntegrationMetricsSchema,
  IntegrationSchema,
  type LastSync,
  LastSyncSchema,
  METRIC_WINDOWS,
  type MetricsHistory,
  MetricsHistorySchema,
  routeUrl,
  type Team,
  type TeamMetrics,
  TeamMetricsSchema,
  TeamSchema,
} from '@agiletrack/domain';
import { z } from 'zod';

/** A cached API read. */
export interface Resource<T> {
  /** The logical cache key (`team_12`). */
  readonly key: string;
  /** The GET that produces it. */
  readonly url: string;
  /** Checks a value, from the network or from storage. */
  readonly schema: z.ZodType<T>;
  /** The field of the response body that holds the value (`{team: …}` → `team`). */
  readonly field: string;
}

// One object per key, so hooks can depend on a resource's identity.
const made = new Map<string, Resource<unknown>>();

const resource = <T>(key: string, url: string, field: string, schema: z.ZodType<T>): Resource<T> => {
  let found = made.get(key) as Resource<T> | undefined;
  if (found === undefined) {
    found = { key, url, field, schema };
    made.set(key, found as Resource<unknown>);
  }
  return found;
};

/** The server's default metrics window. */
export const DEFAULT_WINDOW_DAYS = DEFAULT_METRIC_WINDOW;

/** The windows the dashboard offers (every sync computes each). */
export const WINDOW_CHOICES = METRIC_WINDOWS;

/** Joins a metrics key and a window: `team_3_metrics_w7`. */
export const WINDOW_SUFFIX = '_w';

/** The prefix under which a metrics key's window variants live. */
export const windowVariantsOf = (key: string): string => `${key}${WINDOW_SUFFIX}`;

/** The dashboard's reads. */
export const resources = {
  teams: (): Resource<Team[]> => resource(cacheKeys.teams(), routeUrl('teams.list'), 'teams', z.array(TeamSchema)),
  team: (teamId: number): Resource<Team> =>
    resource(cacheKeys.team(teamId), routeUrl('teams.get', { params: { teamId } }), 'team', TeamSchema),
  teamIntegrations: (teamId: number): Resource<Integration[]> =>
    resource(
      cacheKeys.teamIntegrations(teamId),
      routeUrl('integrations.list', { params: { teamId } }),
      'integrations',
      z.array(IntegrationSchema),
    ),
  teamMetrics: (teamId: number): Resource<TeamMetrics> =>
    resource(
      cacheKeys.teamMetrics(teamId),
      routeUrl('metrics.team', { params: { teamId } }),
      'metrics',
      TeamMetricsSchema,
    ),
  /**
   * A team's metrics over a custom window: a session-specific variant, so its key is not one of
   * the policy's (it stays in memory only) and it dies with its base key (`windowVariantsOf`).
   */
  teamMetricsWindow: (teamId: number, windowDays: number): Resource<TeamMetrics> =>
    windowDays === DEFAULT_WINDOW_DAYS
      ? resources.teamMetrics(teamId)
      : resource(
          `${cacheKeys.teamMetrics(teamId)}${WINDOW_SUFFIX}${windowDays}`,
          routeUrl('metrics.team', { params: { teamId }, query: { windowDays } }),
          'metrics',
          TeamMetricsSchema,
        ),
  integration: (integrationId: number): Resource<Integration> =>
    resource(
      cacheKeys.integration(integrationId),
      routeUrl('integrations.get', { params: { integrationId } }),
      'integration',
      IntegrationSchema,
    ),
  integrationMetrics: (integrationId: number): Resource<IntegrationMetrics> =>
    resource(
      cacheKeys.integrationMetrics(integrationId),
      routeUrl('metrics.integration', { params: { integrationId } }),
      'metrics',
      IntegrationMetricsSchema,
    ),
  /** A team's daily points over the last 90 days, each over `windowDays` (memory only). */
  teamHistory: (teamId: number, windowDays: number = DEFAULT_WINDOW_DAYS): Resource<MetricsHistory> =>
    resource(
      windowDays === DEFAULT_WINDOW_DAYS
        ? cacheKeys.teamMetricsHistory(teamId)
        : `${cacheKeys.teamMetricsHistory(teamId)}${WINDOW_SUFFIX}${windowDays}`,
      routeUrl('metrics.teamHistory', {
        params: { teamId },
        query: { interval: 'day', ...(windowDays !== DEFAULT_WINDOW_DAYS && { windowDays }) },
      }),
      'history',
      MetricsHistorySchema,
    ),
  /** An integration's daily points over the last 90 days (memory only). */
  integrationHistory: (integrationId: number): Resource<MetricsHistory> =>
    resource(
      cacheKeys.integrationMetricsHistory(integrationId),
      routeUrl('metrics.integrationHistory', { params: { integrationId }, query: { interval: 'day' } }),
      'history',
      MetricsHistorySchema,
    ),
  lastSync: (integrationId: number): Resource<LastSync> =>
    resource(
      cacheKeys.lastSync(integrationId),
      routeUrl('integrations.lastSync', { params: { integrationId } }),
      'lastSync',
      LastSyncSchema,
    ),
};
