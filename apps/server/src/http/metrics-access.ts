/**
 * Who may read `/metrics` (process and cache internals): a scraper sending `METRICS_TOKEN` as a
 * bearer token on the API port, or anyone on this machine through `METRICS_PORT`, a second
 * listener bound to 127.0.0.1. With neither configured the route does not exist (404).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { ROUTES } from '@agiletrack/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';

/** Renders the metrics text and its content type. */
export type MetricsSource = () => Promise<{ contentType: string; body: string }>;

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** A preHandler for the API port's `/metrics`: 404 without a token configured, 401 without the right one. */
export function metricsGuard(config: Config) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const expected = config.METRICS_TOKEN;
    if (expected === undefined) {
      reply.callNotFound();
      return reply;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match || !sameSecret(match[1]!, expected)) {
      reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new AppError('E_UNAUTHENTICATED', 'send METRICS_TOKEN as a bearer token to read /metrics');
    }
  };
}

/** Serves `GET /metrics` on 127.0.0.1:`port` without a token; resolves once listening. */
export async function startMetricsListener(port: number, source: MetricsSource): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== ROUTES['system.metrics'].path) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'E_NOT_FOUND', message: 'only GET /metrics is served here' } }));
      return;
    }
    source().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'x-content-type-options': 'nosniff' });
        response.end(body);
      },
      () => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'E_INTERNAL', message: 'internal error' } }));
      },
    );
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
