/**
 * Metrics: the teams overview, a team's and an integration's metrics (`?windowDays=` one of the
 * computed windows), their daily or weekly history, and the work items behind a team's number.
 */
import type { CacheStatus } from '@agiletrack/cache';
import type { MetricName } from '@agiletrack/domain';
import { canSeeTeam } from '../../services/accounts.ts';
import { pageInMemory, pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import { integrationOf, teamOf } from '../guards.ts';
import { sendCached, wantsFresh } from '../respond.ts';
import type { HandlersOf } from '../routing.ts';

/** An instant from `2024-01-31` (start of that day, or its end for `to`) or an ISO time. */
function instantOf(value: string | undefined, end: boolean): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(Date.parse(`${value}T00:00:00Z`) + (end ? 86_399_999 : 0));
  return new Date(value);
}

/** See the file comment. */
export function metricsRoutes(deps: AppDeps): HandlersOf<'metrics'> {
  const { integrations, metrics, teams } = deps;
  return {
    // The teams overview: one batch read of the page's `team_{id}_metrics` entries.
    'metrics.teamsOverview': async ({ principal, query }) => {
      const visible = (await teams.listTeams()).filter((team) => canSeeTeam(principal, team.id));
      const { items, nextCursor } = pageInMemory(visible, pageOf(query), (team) => team.id);
      const views = await metrics.manyTeamsMetrics(
        items.map((team) => team.id),
        { windowDays: query.windowDays },
      );
      return { teams: views, nextCursor };
    },

    'metrics.team': async ({ request, reply, principal, params, query }) => {
      const teamId = teamOf(principal, params.teamId);
      const status: CacheStatus = {};
      const view = await metrics.teamMetrics(teamId, {
        windowDays: query.windowDays,
        force: wantsFresh(request),
        status,
      });
      return sendCached(request, reply, { metrics: view }, status);
    },

    'metrics.teamHistory': async ({ request, reply, principal, params, query }) => {
      const teamId = teamOf(principal, params.teamId);
      const status: CacheStatus = {};
      const history = await metrics.teamHistory(teamId, query, { force: wantsFresh(request), status });
      return sendCached(request, reply, { history }, status);
    },

    'metrics.workItems': async ({ principal, params, query }) => {
      const teamId = teamOf(principal, params.teamId);
      const page = await metrics.workItems(teamId, {
        metric: query.metric as MetricName,
        from: instantOf(query.from, false),
        to: instantOf(query.to, true),
        cursor: query.cursor,
        limit: query.limit,
      });
      return { workItems: page.items, metric: query.metric, from: page.from, to: page.to, nextCursor: page.nextCursor };
    },

    'metrics.integration': async ({ request, reply, principal, params, query }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      const status: CacheStatus = {};
      const view = await metrics.integrationMetrics(integration, {
        windowDays: query.windowDays,
        force: wantsFresh(request),
        status,
      });
      return sendCached(request, reply, { metrics: view }, status);
    },

    'metrics.integrationHistory': async ({ request, reply, principal, params, query }) => {
      const integration = await integrationOf(integrations, principal, params.integrationId);
      const status: CacheStatus = {};
      const history = await metrics.integrationHistory(integration, query, { force: wantsFresh(request), status });
      return sendCached(request, reply, { history }, status);
    },
  };
}
