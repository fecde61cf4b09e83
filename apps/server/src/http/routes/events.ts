/**
 * GET /api/events — Server-Sent Events. Each connection gets the domain events of the teams its
 * user may see (admins: all), with the cache keys they made stale, and nobody else's.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { PushedEvent } from '../../cache/event-hub.ts';
import { bearerToken, sessionCookie } from '../credentials.ts';
import type { AppDeps } from '../deps.ts';
import { principalOf } from '../guards.ts';
import { startSse } from '../sse.ts';

const KEEPALIVE_MS = 15_000;

/** See the file comment. */
export const eventRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    // Open streams never end by themselves: shutting down ends them, so the server stops at once.
    const streams = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const close of streams) close();
    });
    app.get('/api/events', async (request, reply) => {
      const first = principalOf(request);
      const credentials = { bearer: bearerToken(request), cookie: sessionCookie(request) };
      const raw = startSse(reply);
      raw.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ userId: first.userId })}\n\n`);

      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        streams.delete(close);
        unsubscribe();
        clearInterval(keepalive);
        raw.end();
      };
      const send = async (event: PushedEvent) => {
        // Re-resolve the user (cached): a logout or a membership change applies to open streams too.
        const current = await deps.accounts.authenticate(credentials).catch(() => undefined);
        if (!current) return close();
        const teamId = Number(event.teamId);
        const visible =
          current.role === 'admin' ||
          current.teamIds.includes(teamId) ||
          (event.type === 'team.deleted' && first.teamIds.includes(teamId));
        if (visible && !closed) raw.write(`event: invalidate\ndata: ${JSON.stringify(event)}\n\n`);
      };
      const offEvents = deps.hub.subscribe((event) => void send(event));
      // Admins also see the server's alerts firing and resolving.
      const offAlerts =
        first.role === 'admin'
          ? deps.hub.onAlert((alert) => {
              if (!closed) raw.write(`event: alert\ndata: ${JSON.stringify(alert)}\n\n`);
            })
          : () => {};
      const unsubscribe = () => {
        offEvents();
        offAlerts();
      };
      const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
      keepalive.unref();
      streams.add(close);
      request.raw.on('close', close);
    });
  };
