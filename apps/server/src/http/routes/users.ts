/** User administration: list, create, read, change, deactivate (admins only). */
import { CreateUserBody, ListUsersQuery, UpdateUserBody } from '@agiletrack/domain';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { notFound } from '../../errors.ts';
import { pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf, principalOf, requireAdmin } from '../guards.ts';
import { parse, parseRouteId } from '../validation.ts';

const userIdOf = (request: FastifyRequest): number => {
  const id = parseRouteId((request.params as { userId?: unknown }).userId, 'userId');
  if (id === null) throw notFound('user');
  return id;
};

/** See the file comment. */
export const userRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { users } = deps;
    app.addHook('preHandler', async (request) => {
      requireAdmin(principalOf(request));
    });

    app.get('/api/users', async (request) => {
      const query = parse(ListUsersQuery, request.query, 'query');
      const active = query.active === undefined ? undefined : query.active === 'true';
      const page = await users.list({ q: query.q, active }, pageOf(query));
      return { users: page.items, nextCursor: page.nextCursor };
    });

    app.post('/api/users', async (request, reply) => {
      const body = parse(CreateUserBody, request.body);
      return reply.code(201).send(await users.create(body, actorOf(request)));
    });

    app.get('/api/users/:userId', async (request) => ({ user: await users.get(userIdOf(request)) }));

    app.patch('/api/users/:userId', async (request) => {
      const userId = userIdOf(request);
      const body = parse(UpdateUserBody, request.body);
      return { user: await users.update(userId, body, actorOf(request)) };
    });

    app.delete('/api/users/:userId', async (request, reply) => {
      await users.deactivate(userIdOf(request), actorOf(request));
      return reply.code(204).send();
    });
  };
