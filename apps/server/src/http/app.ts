/**
 * The HTTP API on Fastify, registered from the domain's route table. Every failure leaves as
 * `{error: {code, message}}`; authentication runs before any route handler, authorization before
 * any cache read.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { toAppError } from '../errors.ts';
import type { Principal } from '../services/accounts.ts';
import { registerCompression } from './compression.ts';
import type { AppDeps } from './deps.ts';
import { addRequestLog } from './request-log.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { cacheRoutes } from './routes/cache.ts';
import { eventRoutes } from './routes/events.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { meRoutes } from './routes/me.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { openApiRoutes, registerDocs } from './routes/openapi.ts';
import { systemRoutes } from './routes/system.ts';
import { teamRoutes } from './routes/teams.ts';
import { userRoutes } from './routes/users.ts';
import { webRoutes } from './routes/web.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { registerRoutes } from './routing.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { closeStreamsOnShutdown } from './sse.ts';
import { transportOptions } from './transport.ts';
import { keepWebhookBodies } from './webhook-body.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** Every route registered, `METHOD /path` (the OpenAPI test compares them with the document). */
    registeredRoutes: string[];
  }
}

/** The largest request body (a webhook delivery included). */
const BODY_LIMIT = 256 * 1024;

/** Answers any thrown value as `{error: {code, message}}`, logging the unexpected ones. */
function sendError(logger: Logger, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error);
  if (appError.status >= 500) logger.error({ reqId: request.id, err: error }, 'request failed');
  if (appError.retryAfterMs !== undefined) reply.header('Retry-After', Math.ceil(appError.retryAfterMs / 1000));
  return reply.code(appError.status).send({ error: { code: appError.code, message: appError.message } });
}

/** Builds the Fastify app (not listening). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { logger } = deps;
  const app = Fastify({
    // No Fastify logger: with one, Fastify builds or checks a child logger for every request. The
    // application logs through its own logger, each line that names a request with its id; one
    // line per request only when debugging (request-log.ts), errors always (sendError).
    logger: false,
    bodyLimit: BODY_LIMIT,
    ...transportOptions(deps.config),
    // A path Fastify cannot decode (`%FF`) answers in the API's error shape too.
    frameworkErrors: (error, request, reply) => sendError(logger, error, request, reply),
  });
  app.decorate('registeredRoutes', [] as string[]);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) app.registeredRoutes.push(`${method} ${route.url}`);
  });
  // Declared up front so every request object keeps one shape.
  app.decorateRequest('principal', undefined);
  addRequestLog(app, logger);
  registerSecurityHeaders(app, deps.config);
  registerCompression(app);

  app.setErrorHandler((error, request, reply) => sendError(logger, error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'E_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );

  closeStreamsOnShutdown(app);
  keepWebhookBodies(app, BODY_LIMIT);
  registerRoutes(app, deps, {
    ...systemRoutes(deps, app),
    ...openApiRoutes(),
    ...eventRoutes(deps),
    ...authRoutes(deps),
    ...meRoutes(deps),
    ...userRoutes(deps),
    ...teamRoutes(deps),
    ...integrationRoutes(deps),
    ...metricsRoutes(deps),
    ...auditRoutes(deps),
    ...cacheRoutes(deps),
    ...webhookRoutes(deps),
  });
  await registerDocs(app);
  await app.register(webRoutes({ logger })); // the dashboard, when apps/web/dist exists
  return app;
}
