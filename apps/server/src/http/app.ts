/**
 * The HTTP API on Fastify. Every failure leaves as `{error: {code, message}}`;
 * authentication runs before any route handler, authorization before any cache read.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { toAppError } from '../errors.ts';
import type { Principal } from '../services/accounts.ts';
import { bearerToken, sessionCookie } from './credentials.ts';
import { checkCsrf } from './csrf.ts';
import type { AppDeps } from './deps.ts';
import { addRequestLog } from './request-log.ts';
import { adminRoutes } from './routes/admin.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { cacheOpsRoutes } from './routes/cache-ops.ts';
import { eventRoutes } from './routes/events.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { meRoutes } from './routes/me.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { DOCS_PREFIX, openApiRoutes } from './routes/openapi.ts';
import { systemRoutes } from './routes/system.ts';
import { teamRoutes } from './routes/teams.ts';
import { userRoutes } from './routes/users.ts';
import { webRoutes } from './routes/web.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { transportOptions } from './transport.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** Every route registered, `METHOD /path` (the OpenAPI test compares them with the document). */
    registeredRoutes: string[];
  }
}

// Routes that answer without a login.
const PUBLIC = new Set(['/api/auth/login', '/api/health', '/metrics', '/api/openapi.json']);
const isPublic = (path: string) => PUBLIC.has(path) || path === DOCS_PREFIX || path.startsWith(`${DOCS_PREFIX}/`);

/** Builds the Fastify app (not listening). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 256 * 1024,
    ...transportOptions(deps.config),
    // One line per request only when debugging; errors are always logged by the error handler.
    logController: new LogController({
      // Our own line (request-log.ts) carries the cache headers.
      disableRequestLogging: true,
    }),
    // No child logger built per request: the lines that name a request carry its id themselves.
    childLoggerFactory: (logger) => logger,
  });
  app.decorate('registeredRoutes', [] as string[]);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) app.registeredRoutes.push(`${method} ${route.url}`);
  });
  // Declared up front so every request object keeps one shape.
  app.decorateRequest('principal', undefined);
  addRequestLog(app, deps.logger.isLevelEnabled('debug'));
  await registerSecurityHeaders(app, deps.config);

  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ reqId: request.id, err: error }, 'request failed');
    if (appError.retryAfterMs !== undefined) reply.header('Retry-After', Math.ceil(appError.retryAfterMs / 1000));
    return reply.code(appError.status).send({ error: { code: appError.code, message: appError.message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'E_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );

  const httpsOnly = deps.config.COOKIE_SECURE === 'true';
  app.addHook('onRequest', async (request) => {
    const query = request.url.indexOf('?');
    const path = query < 0 ? request.url : request.url.slice(0, query);
    const bearer = bearerToken(request);
    const cookie = sessionCookie(request);
    const csrf = { bearer: bearer !== undefined, httpsOnly };
    if (path === '/api/auth/login') checkCsrf(request, { ...csrf, cookie: false, login: true });
    if (!path.startsWith('/api/') || isPublic(path)) return;
    request.principal = await deps.accounts.authenticate({ bearer, cookie });
    // Only a request the cookie authenticated can be forged: checked once it has (else 401 first).
    checkCsrf(request, { ...csrf, cookie: cookie !== undefined, login: false });
  });

  await app.register(systemRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(teamRoutes(deps));
  await app.register(integrationRoutes(deps));
  await app.register(metricsRoutes(deps));
  await app.register(eventRoutes(deps));
  await app.register(adminRoutes(deps));
  await app.register(cacheOpsRoutes(deps));
  await app.register(userRoutes(deps));
  await app.register(meRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(openApiRoutes());
  await app.register(webRoutes()); // the dashboard, when apps/web/dist exists
  return app;
}
