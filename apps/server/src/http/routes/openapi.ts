/**
 * GET /api/openapi.json (the OpenAPI 3.1 document generated from the zod schemas in
 * @agiletrack/domain) and /api/docs (Swagger UI over it, served from this process).
 */
import { buildOpenApiDocument } from '@agiletrack/domain/openapi';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';

/** The path prefix of the documentation pages and their assets (public, like the document). */
export const DOCS_PREFIX = '/api/docs';

/** See the file comment. */
export const openApiRoutes = (): FastifyPluginAsync => async (app) => {
  const document = buildOpenApiDocument();
  const json = JSON.stringify(document);
  await app.register(fastifySwagger, {
    mode: 'static',
    specification: { document: document as never },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PREFIX,
    // The pages load only their own files: the server's policy (frame-ancestors 'none' included)
    // fits them, so the plugin's own, looser policy is not set; no external validator badge.
    uiConfig: { docExpansion: 'list', deepLinking: true, tryItOutEnabled: false, validatorUrl: null },
  });
  app.get('/api/openapi.json', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(json),
  );
};
