/**
 * One log line per request at `debug`, with how the cache served it: status, `X-Cache`,
 * `X-Cache-Tier` and the duration. Replaces Fastify's own request lines, which lack them.
 */
import type { FastifyInstance } from 'fastify';

/** Adds the `onResponse` hook to the root instance (so it sees every route). */
export function addRequestLog(app: FastifyInstance, enabled: boolean): void {
  if (!enabled) return;
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      {
        reqId: request.id,
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        cache: reply.getHeader('x-cache'),
        tier: reply.getHeader('x-cache-tier'),
        ms: Math.round(reply.elapsedTime * 1_000) / 1_000,
      },
      'request completed',
    );
  });
}
