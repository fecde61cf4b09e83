/** Team routes: list, create, read, change, delete; a team's integrations and metrics. */
import type { CacheStatus } from '@agiletrack/cache';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { forbidden, notFound } from '../../errors.ts';
import type { Principal } from '../../services/accounts.ts';
import type { AppDeps } from '../deps.ts';
import { principalOf, requireAdmin, requireTeam } from '../guards.ts';
import { sendCached, wantsFresh } from '../respond.ts';
import {
  CreateIntegrationBody,
  CreateTeamBody,
  MetricsQuery,
  parse,
  parseRouteId,
  UpdateTeamBody,
} from '../validation.ts';

/** Parses `:teamId` and checks access before anything is read. */
export function teamIdOf(request: FastifyRequest, principal: Principal): number {
  const id = parseRouteId((request.params as { teamId?: unknown }).teamId, 'teamId');
  if (id === null) throw principal.role === 'admin' ? notFound('team') : forbidden();
  requireTeam(principal, id);
  return id;
}

/** See the file comment. */
export const teamRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { teams, integrations: integrationService, metrics: metricsService } = deps;

    app.get('/api/teams', async (request, reply) => {
      const principal = principalOf(request);
      const status: CacheStatus = {};
      const all = await teams.listTeams({ force: wantsFresh(request), status });
      const visible = principal.role === 'admin' ? all : all.filter((team) => principal.teamIds.includes(team.id));
      return sendCached(request, reply, { teams: visible }, status);
    });

    app.post('/api/teams', async (request, reply) => {
      requireAdmin(principalOf(request));
      const body = parse(CreateTeamBody, request.body);
      const team = await teams.createTeam(body);
      return reply.code(201).send({ team });
    });

    app.get('/api/teams/:teamId', async (request, reply) => {
      const teamId = teamIdOf(request, principalOf(request));
      const status: CacheStatus = {};
      const team = await teams.getTeam(teamId, { force: wantsFresh(request), status });
      return sendCached(request, reply, { team }, status);
    });

    app.patch('/api/teams/:teamId', async (request) => {
      const principal = principalOf(request);
      const teamId = teamIdOf(request, principal);
      const body = parse(UpdateTeamBody, request.body);
      // Members may rename their team; only admins change who belongs to it.
      if (body.memberIds !== undefined) requireAdmin(principal);
      return { team: await teams.updateTeam(teamId, body) };
    });

    app.delete('/api/teams/:teamId', async (request, reply) => {
      const principal = principalOf(request);
      const teamId = teamIdOf(request, principal);
      requireAdmin(principal);
      await teams.deleteTeam(teamId);
      return reply.code(204).send();
    });

    app.get('/api/teams/:teamId/integrations', async (request, reply) => {
      const teamId = teamIdOf(request, principalOf(request));
      const status: CacheStatus = {};
      const integrations = await integrationService.listIntegrations(teamId, { force: wantsFresh(request), status });
      return sendCached(request, reply, { integrations }, status);
    });

    app.post('/api/teams/:teamId/integrations', async (request, reply) => {
      const teamId = teamIdOf(request, principalOf(request));
      const body = parse(CreateIntegrationBody, request.body);
      const integration = await integrationService.createIntegration(teamId, body);
      return reply.code(201).send({ integration });
    });

    app.get('/api/teams/:teamId/metrics', async (request, reply) => {
      const teamId = teamIdOf(request, principalOf(request));
      const { windowDays } = parse(MetricsQuery, request.query, 'query');
      if (windowDays !== undefined) {
        return sendCached(
          request,
          reply,
          { metrics: await metricsService.teamWindowMetrics(teamId, windowDays) },
          { result: 'miss', tier: 'origin' },
        );
      }
      const status: CacheStatus = {};
      const metrics = await metricsService.teamMetrics(teamId, { force: wantsFresh(request), status });
      return sendCached(request, reply, { metrics }, status);
    });
  };
