/** The caller's own account: who they are, their password and their API tokens. */
import { notFound } from '../../errors.ts';
import { digest } from '../../services/accounts.ts';
import { pageOf } from '../../services/page.ts';
import { bearerToken, sessionCookie } from '../credentials.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf } from '../guards.ts';
import type { HandlersOf } from '../routing.ts';

/** See the file comment. */
export function meRoutes(deps: AppDeps): HandlersOf<'me' | 'tokens'> {
  const { users, tokens } = deps;
  return {
    'me.get': ({ principal }) => ({ user: principal }),

    'me.changePassword': async ({ request, principal, body }) => {
      // The session making the change stays; with a token, every session ends.
      const cookie = bearerToken(request) ? undefined : sessionCookie(request);
      await users.changePassword(principal.userId, body, cookie ? digest(cookie) : undefined, actorOf(request));
    },

    'tokens.list': async ({ principal, query }) => {
      const page = await tokens.list(principal.userId, pageOf(query));
      return { tokens: page.items, nextCursor: page.nextCursor };
    },

    'tokens.create': async ({ request, principal, body }) => tokens.create(principal.userId, body, actorOf(request)),

    'tokens.revoke': async ({ request, principal, params }) => {
      if (params.tokenId === null) throw notFound('token');
      await tokens.revoke(principal.userId, params.tokenId, actorOf(request));
    },
  };
}
