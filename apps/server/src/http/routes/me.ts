/** The caller's own account: password change and API tokens. */
import { ChangePasswordBody, CreateTokenBody, PageQuery } from '@agiletrack/domain';
import type { FastifyPluginAsync } from 'fastify';
import { notFound } from '../../errors.ts';
import { digest } from '../../services/accounts.ts';
import { pageOf } from '../../services/page.ts';
import { bearerToken, sessionCookie } from '../credentials.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf, principalOf } from '../guards.ts';
import { parse, parseRouteId } from '../validation.ts';

/** See the file comment. */
export const meRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { users, tokens } = deps;

    app.post('/api/me/password', async (request, reply) => {
      const principal = principalOf(request);
      const body = parse(ChangePasswordBody, request.body);
      // The session making the change stays; with a token, every session ends.
      const cookie = bearerToken(request) ? undefined : sessionCookie(request);
      await users.changePassword(principal.userId, body, cookie ? digest(cookie) : undefined, actorOf(request));
      return reply.code(204).send();
    });

    app.get('/api/me/tokens', async (request) => {
      const page = await tokens.list(
        principalOf(request).userId,
        pageOf(parse(PageQuery.strict(), request.query, 'query')),
      );
      return { tokens: page.items, nextCursor: page.nextCursor };
    });

    app.post('/api/me/tokens', async (request, reply) => {
      const body = parse(CreateTokenBody, request.body);
      return reply.code(201).send(await tokens.create(principalOf(request).userId, body, actorOf(request)));
    });

    app.delete('/api/me/tokens/:tokenId', async (request, reply) => {
      const principal = principalOf(request);
      const id = parseRouteId((request.params as { tokenId?: unknown }).tokenId, 'tokenId');
      if (id === null) throw notFound('token');
      await tokens.revoke(principal.userId, id, actorOf(request));
      return reply.code(204).send();
    });
  };
