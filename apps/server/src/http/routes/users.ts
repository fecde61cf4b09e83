/** User administration: list, create, read, change, deactivate (admins only). */
import { notFound } from '../../errors.ts';
import { pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import { actorOf } from '../guards.ts';
import type { HandlersOf } from '../routing.ts';

const userIdOf = (id: number | null): number => {
  if (id === null) throw notFound('user');
  return id;
};

/** See the file comment. */
export function userRoutes(deps: AppDeps): HandlersOf<'users'> {
  const { users } = deps;
  return {
    'users.list': async ({ query }) => {
      const active = query.active === undefined ? undefined : query.active === 'true';
      const page = await users.list({ q: query.q, active }, pageOf(query));
      return { users: page.items, nextCursor: page.nextCursor };
    },

    'users.create': async ({ request, body }) => users.create(body, actorOf(request)),

    'users.get': async ({ params }) => ({ user: await users.get(userIdOf(params.userId)) }),

    'users.update': async ({ request, params, body }) => ({
      user: await users.update(userIdOf(params.userId), body, actorOf(request)),
    }),

    // The link opens the dashboard's reset page; the token rides in the fragment, which browsers
    // never send to a server (no access log or Referer ever holds it).
    'users.passwordReset': async ({ request, params }) => {
      const { token, expiresAt } = await deps.passwordResets.issue(userIdOf(params.userId), actorOf(request));
      return { link: `${request.protocol}://${request.host}/reset-password#${token}`, expiresAt };
    },

    'users.deactivate': async ({ request, params }) => {
      await users.deactivate(userIdOf(params.userId), actorOf(request));
    },
  };
}
