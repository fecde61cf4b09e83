/**
 * Metrics: the teams overview, a team's and an integration's metrics (`?windowDays=` one of the
 * computed windows), their daily or weekly history, and the work items behind a team's number.
 */
import type { CacheStatus } from '@agiletrack/cache';
import { DEFAULT_METRIC_WINDOW, METRIC_NAMES, type MetricName } from '@agiletrack/domain';
import type { FastifyReply } from 'fastify';
import { canSeeTeam } from '../../services/accounts.ts';
import { toCsv } from '../../services/csv.ts';
import { pageInMemory, pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import { integrationOf, teamOf } from '../guards.ts';
import { sendCached, wantsFresh } from '../respond.ts';
import type { HandlersOf } from '../routing.ts';
import { goalRoutes } from './goals.ts';

/** An instant from `2024-01-31` (start of that day, or its end for `to`) or an ISO time. */
function instantOf(value: string | undefined, end: boolean): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(Date.parse(`${value}T00:00:00Z`) + (end ? 86_399_999 : 0));
  return new Date(value);
}

/** Answers a CSV download; never cached (an export is for now). */
function sendCsv(reply: FastifyReply, filename: string, csv: string) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .send(csv);
}

/** See the file comment. */
export function metricsRoutes(deps: AppDeps): HandlersOf<'metrics'> {
  const { integrations, metrics, teams } = deps;
  return {
    ...goalRoutes(deps),
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
      const { items, ...page } = await metrics.workItems(teamId, {
        metric: query.metric as MetricName,
        windowDays: query.windowDays,
        from: instantOf(query.from, false),
        to: instantOf(query.to, true),
        cursor: query.cursor,
        limit: query.limit,
      });
      return { workItems: items, metric: query.metric, ...page };
    },

    // The whole drill-down list as CSV: what the card was computed from, one row per item.
    'metrics.workItemsCsv': async ({ reply, principal, params, query }) => {
      const teamId = teamOf(principal, params.teamId);
      const list = await metrics.workItems(teamId, {
        metric: query.metric as MetricName,
        windowDays: query.windowDays,
        from: instantOf(query.from, false),
        to: instantOf(query.to, true),
        limit: Number.MAX_SAFE_INTEGER,
      });
      const csv = toCsv(
        [
          'integration_id',
          'kind',
          'id',
          'title',
          'state',
          'counted_at',
          'value',
          'shipped_by',
          'failure',
          'incident',
          'sprint',
          'url',
        ],
        list.items.map((i) => [
          i.integrationId,
          i.kind,
          i.externalId,
          i.title,
          i.state,
          i.at,
          i.value,
          i.shippedBy,
          i.failure,
          i.incident,
          i.sprint,
          i.url,
        ]),
      );
      return sendCsv(reply, `team-${teamId}-${query.metric}-${list.windowDays}d.csv`, csv);
    },

    'metrics.teamsOverviewCsv': async ({ reply, principal, query }) => {
      const visible = (await teams.listTeams()).filter((team) => canSeeTeam(principal, team.id));
      const views = await metrics.manyTeamsMetrics(
        visible.map((team) => team.id),
        { windowDays: query.windowDays },
      );
      const names = METRIC_NAMES.filter((name) => views.some((v) => name in v.rollup));
      const csv = toCsv(
        ['team_id', 'team', 'window_days', 'computed_at', ...names],
        views.map((v, i) => [v.teamId, visible[i]!.name, v.windowDays, v.computedAt, ...names.map((n) => v.rollup[n])]),
      );
      return sendCsv(reply, `teams-${views[0]?.windowDays ?? DEFAULT_METRIC_WINDOW}d.csv`, csv);
    },

    'metrics.deployments': async ({ principal, params, query }) => {
      const teamId = teamOf(principal, params.teamId);
      return metrics.deployments(teamId, query);
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
