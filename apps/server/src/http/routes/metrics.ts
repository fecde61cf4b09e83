/**
 * Metrics routes: the teams overview, a team's and an integration's metrics (`?windowDays=` one of
 * the computed windows), their daily or weekly history, and the work items behind a team's number.
 */
import type { CacheStatus } from '@agiletrack/cache';
import { HistoryQuery, type MetricName, MetricsQuery, TeamsMetricsQuery, WorkItemsQuery } from '@agiletrack/domain';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { forbidden, notFound } from '../../errors.ts';
import { canSeeTeam, type Principal } from '../../services/accounts.ts';
import { pageInMemory, pageOf } from '../../services/page.ts';
import type { IntegrationView } from '../../services/views.ts';
import type { AppDeps } from '../deps.ts';
import { principalOf } from '../guards.ts';
import { sendCached, wantsFresh } from '../respond.ts';
import { parse, parseRouteId } from '../validation.ts';
import { teamIdOf } from './teams.ts';

/** An instant from `2024-01-31` (start of that day, or its end for `to`) or an ISO time. */
function instantOf(value: string | undefined, end: boolean): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(Date.parse(`${value}T00:00:00Z`) + (end ? 86_399_999 : 0));
  return new Date(value);
}

/** `?windowDays=`, parsed only when the URL has a query string (the dashboard's read has none). */
function windowOf(request: FastifyRequest): number | undefined {
  return request.url.includes('?') ? parse(MetricsQuery, request.query, 'query').windowDays : undefined;
}

/** See the file comment. */
export const metricsRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { integrations, metrics, teams } = deps;

    // Access is checked from the cached integration before anything else is read; a refusal
    // does not say which team owns it.
    async function load(request: FastifyRequest, principal: Principal): Promise<IntegrationView> {
      const id = parseRouteId((request.params as { integrationId?: unknown }).integrationId, 'integrationId');
      if (id === null) throw notFound('integration');
      const integration = await integrations.getIntegration(id);
      if (!canSeeTeam(principal, integration.teamId)) throw forbidden('you do not have access to this integration');
      return integration;
    }

    // The teams overview: one batch read of the page's `team_{id}_metrics` entries.
    app.get('/api/teams/metrics', async (request) => {
      const principal = principalOf(request);
      const query = parse(TeamsMetricsQuery, request.query, 'query');
      const visible = (await teams.listTeams()).filter((team) => canSeeTeam(principal, team.id));
      const { items, nextCursor } = pageInMemory(visible, pageOf(query), (team) => team.id);
      const views = await metrics.manyTeamsMetrics(
        items.map((team) => team.id),
        { windowDays: query.windowDays },
      );
      return { teams: views, nextCursor };
    });

    app.get('/api/teams/:teamId/metrics', async (request, reply) => {
      const teamId = teamIdOf(request, principalOf(request));
      const windowDays = windowOf(request);
      const status: CacheStatus = {};
      const view = await metrics.teamMetrics(teamId, { windowDays, force: wantsFresh(request), status });
      return sendCached(request, reply, { metrics: view }, status);
    });

    app.get('/api/teams/:teamId/metrics/history', async (request, reply) => {
      const teamId = teamIdOf(request, principalOf(request));
      const query = parse(HistoryQuery, request.query, 'query');
      const status: CacheStatus = {};
      const history = await metrics.teamHistory(teamId, query, { force: wantsFresh(request), status });
      return sendCached(request, reply, { history }, status);
    });

    app.get('/api/teams/:teamId/work-items', async (request) => {
      const teamId = teamIdOf(request, principalOf(request));
      const query = parse(WorkItemsQuery, request.query, 'query');
      const page = await metrics.workItems(teamId, {
        metric: query.metric as MetricName,
        from: instantOf(query.from, false),
        to: instantOf(query.to, true),
        cursor: query.cursor,
        limit: query.limit,
      });
      return { workItems: page.items, metric: query.metric, from: page.from, to: page.to, nextCursor: page.nextCursor };
    });

    app.get('/api/integrations/:integrationId/metrics', async (request, reply) => {
      const integration = await load(request, principalOf(request));
      const windowDays = windowOf(request);
      const status: CacheStatus = {};
      const view = await metrics.integrationMetrics(integration, { windowDays, force: wantsFresh(request), status });
      return sendCached(request, reply, { metrics: view }, status);
    });

    app.get('/api/integrations/:integrationId/metrics/history', async (request, reply) => {
      const integration = await load(request, principalOf(request));
      const query = parse(HistoryQuery, request.query, 'query');
      const status: CacheStatus = {};
      const history = await metrics.integrationHistory(integration, query, { force: wantsFresh(request), status });
      return sendCached(request, reply, { history }, status);
    });
  };
