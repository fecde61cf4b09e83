/**
 * One log line per request at `debug`, with how the cache served it: status, `X-Cache`,
 * `X-Cache-Tier` and the duration. Replaces Fastify's own request lines, which lack them.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Adds the `onResponse` hook to the root instance (so it sees every route) when `logger` logs debug lines. */
export function addRequestLog(app: FastifyInstance, logger: Logger): void {
  if (!logger.isLevelEnabled('debug')) return;
  app.addHook('onResponse', (request, reply, done) => {
    logger.debug(
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
    done();
  });
}
