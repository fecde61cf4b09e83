/** Teams: list, create, read, change, delete; their members. */
import type { CacheStatus } from '@agiletrack/cache';
import { notFound } from '../../errors.ts';
import { pageInMemory, pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf, requireAdmin, teamOf } from '../guards.ts';
import { sendCached, wantsFresh } from '../respond.ts';
import type { HandlersOf } from '../routing.ts';

/** See the file comment. */
export function teamRoutes(deps: AppDeps): HandlersOf<'teams' | 'members'> {
  const { teams, members } = deps;
  return {
    'teams.list': async ({ request, reply, principal, query }) => {
      const status: CacheStatus = {};
      const all = await teams.listTeams({ force: wantsFresh(request), status });
      const visible = principal.role === 'admin' ? all : all.filter((team) => principal.teamIds.includes(team.id));
      const { items, nextCursor } = pageInMemory(visible, pageOf(query), (team) => team.id);
      return sendCached(request, reply, { teams: items, nextCursor }, status);
    },

    'teams.create': async ({ request, body }) => ({ team: await teams.createTeam(body, actorOf(request)) }),

    'teams.get': async ({ request, reply, principal, params }) => {
      const teamId = teamOf(principal, params.teamId);
      const status: CacheStatus = {};
      const team = await teams.getTeam(teamId, { force: wantsFresh(request), status });
      return sendCached(request, reply, { team }, status);
    },

    'teams.update': async ({ request, principal, params, body }) => {
      const teamId = teamOf(principal, params.teamId);
      // Members may rename their team; only admins change who belongs to it.
      if (body.memberIds !== undefined) requireAdmin(principal);
      return { team: await teams.updateTeam(teamId, body, actorOf(request)) };
    },

    'teams.delete': async ({ request, params }) => {
      if (params.teamId === null) throw notFound('team');
      await teams.deleteTeam(params.teamId, actorOf(request));
    },

    'members.list': async ({ principal, params, query }) => {
      const page = await members.list(teamOf(principal, params.teamId), pageOf(query));
      return { members: page.items, nextCursor: page.nextCursor };
    },

    'members.add': async ({ request, params, body }) => {
      if (params.teamId === null) throw notFound('team');
      return { member: await members.add(params.teamId, body.email, actorOf(request)) };
    },

    'members.remove': async ({ request, params }) => {
      if (params.teamId === null) throw notFound('team');
      if (params.userId === null) throw notFound('member');
      await members.remove(params.teamId, params.userId, actorOf(request));
    },
  };
}
