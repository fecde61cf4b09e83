/** Team routes: list, create, read, change, delete; a team's integrations and metrics. */
import type { CacheStatus } from '@agiletrack/cache';
import { AddMemberBody, CreateIntegrationBody, CreateTeamBody, PageQuery, UpdateTeamBody } from '@agiletrack/domain';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { forbidden, notFound } from '../../errors.ts';
import type { Principal } from '../../services/accounts.ts';
import { testConnection } from '../../services/connection-test.ts';
import { pageInMemory, pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf, principalOf, requireAdmin, requireTeam } from '../guards.ts';
import { sendCached, wantsFresh } from '../respond.ts';
import { parse, parseRouteId } from '../validation.ts';

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
    const { teams, integrations: integrationService } = deps;

    app.get('/api/teams', async (request, reply) => {
      const principal = principalOf(request);
      const page = pageOf(parse(PageQuery.strict(), request.query, 'query'));
      const status: CacheStatus = {};
      const all = await teams.listTeams({ force: wantsFresh(request), status });
      const visible = principal.role === 'admin' ? all : all.filter((team) => principal.teamIds.includes(team.id));
      const { items, nextCursor } = pageInMemory(visible, page, (team) => team.id);
      return sendCached(request, reply, { teams: items, nextCursor }, status);
    });

    app.post('/api/teams', async (request, reply) => {
      requireAdmin(principalOf(request));
      const body = parse(CreateTeamBody, request.body);
      const team = await teams.createTeam(body, actorOf(request));
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
      return { team: await teams.updateTeam(teamId, body, actorOf(request)) };
    });

    app.delete('/api/teams/:teamId', async (request, reply) => {
      const principal = principalOf(request);
      const teamId = teamIdOf(request, principal);
      requireAdmin(principal);
      await teams.deleteTeam(teamId, actorOf(request));
      return reply.code(204).send();
    });

    app.get('/api/teams/:teamId/integrations', async (request, reply) => {
      const teamId = teamIdOf(request, principalOf(request));
      const page = pageOf(parse(PageQuery.strict(), request.query, 'query'));
      const status: CacheStatus = {};
      const all = await integrationService.listIntegrations(teamId, { force: wantsFresh(request), status });
      const { items, nextCursor } = pageInMemory(all, page, (integration) => integration.id);
      return sendCached(request, reply, { integrations: items, nextCursor }, status);
    });

    app.post('/api/teams/:teamId/integrations', async (request, reply) => {
      const teamId = teamIdOf(request, principalOf(request));
      const body = parse(CreateIntegrationBody, request.body);
      const integration = await integrationService.createIntegration(teamId, body, actorOf(request));
      return reply.code(201).send({ integration });
    });

    // The form's "Test connection": the same request a sync starts with, before anything is stored.
    app.post('/api/teams/:teamId/integrations/test', async (request) => {
      teamIdOf(request, principalOf(request));
      const body = parse(CreateIntegrationBody, request.body);
      return testConnection(
        { kind: body.kind, config: body.config, credentials: body.credentials },
        { guard: deps.outbound },
      );
    });

    app.get('/api/teams/:teamId/members', async (request) => {
      const teamId = teamIdOf(request, principalOf(request));
      const page = await deps.members.list(teamId, pageOf(parse(PageQuery.strict(), request.query, 'query')));
      return { members: page.items, nextCursor: page.nextCursor };
    });

    app.post('/api/teams/:teamId/members', async (request, reply) => {
      const principal = principalOf(request);
      const teamId = teamIdOf(request, principal);
      requireAdmin(principal);
      const { email } = parse(AddMemberBody, request.body);
      return reply.code(201).send({ member: await deps.members.add(teamId, email, actorOf(request)) });
    });

    app.delete('/api/teams/:teamId/members/:userId', async (request, reply) => {
      const principal = principalOf(request);
      const teamId = teamIdOf(request, principal);
      requireAdmin(principal);
      const userId = parseRouteId((request.params as { userId?: unknown }).userId, 'userId');
      if (userId === null) throw notFound('member');
      await deps.members.remove(teamId, userId, actorOf(request));
      return reply.code(204).send();
    });
  };
