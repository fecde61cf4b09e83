/**
 * GET /api/events — Server-Sent Events. Each connection gets the domain events of the teams its
 * user may see (admins: all), with the cache keys they made stale, and nobody else's; admins also
 * get the server's alerts firing and resolving.
 */
import { EventStream } from '@agiletrack/domain';
import type { PushedEvent } from '../../events/event-hub.ts';
import { bearerToken, sessionCookie } from '../credentials.ts';
import type { AppDeps } from '../deps.ts';
import type { HandlersOf } from '../routing.ts';
import { openSse } from '../sse.ts';

/** See the file comment. */
export function eventRoutes(deps: AppDeps): Pick<HandlersOf<'system'>, 'system.events'> {
  return {
    'system.events': ({ request, reply, principal: first }) => {
      const credentials = { bearer: bearerToken(request), cookie: sessionCookie(request) };
      const stream = openSse(request, reply, EventStream);
      stream.send('ready', { userId: first.userId });
      const send = async (event: PushedEvent) => {
        // Re-resolve the user (cached): a logout or a membership change applies to open streams too.
        const current = await deps.accounts.authenticate(credentials).catch(() => undefined);
        if (!current) return stream.close();
        const teamId = Number(event.teamId);
        const visible =
          current.role === 'admin' ||
          current.teamIds.includes(teamId) ||
          (event.type === 'team.deleted' && first.teamIds.includes(teamId));
        if (visible) stream.send('invalidate', event);
      };
      // One event at a time, in the order published: each waits for the user's re-resolution, and a
      // later event must not overtake an earlier one (a client reading "later" has seen "earlier").
      let delivered = Promise.resolve();
      stream.onClose(
        deps.hub.subscribe((event) => {
          delivered = delivered.then(() => send(event)).catch(() => stream.close());
        }),
      );
      if (first.role === 'admin') stream.onClose(deps.hub.onAlert((alert) => stream.send('alert', alert)));
      return reply;
    },
  };
}
