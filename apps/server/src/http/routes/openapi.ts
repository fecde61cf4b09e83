/**
 * The OpenAPI 3.1 document generated from the route table (`GET /api/openapi.json`) and Swagger UI
 * over it (`/api/docs`, served from this process by its plugin).
 */
import { ROUTES } from '@agiletrack/domain';
import { buildOpenApiDocument } from '@agiletrack/domain/openapi';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { registerEncodedRevalidation } from '../compression.ts';
import type { HandlersOf } from '../routing.ts';

const document = buildOpenApiDocument();
const json = JSON.stringify(document);

/** Registers the documentation pages and their assets. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  // In a context of their own: the UI's files come from @fastify/send, whose ETags the compression
  // hook gives a coding suffix that send would not recognise when the browser revalidates.
  await app.register(async (docs) => {
    registerEncodedRevalidation(docs);
    await docs.register(fastifySwaggerUi, {
      routePrefix: ROUTES['system.docs'].path,
      // The pages load only their own files: the server's policy (frame-ancestors 'none' included)
      // fits them, so the plugin's own, looser policy is not set; no external validator badge.
      uiConfig: { docExpansion: 'list', deepLinking: true, tryItOutEnabled: false, validatorUrl: null },
    });
  });
}

/** See the file comment. */
export function openApiRoutes(): Pick<HandlersOf<'system'>, 'system.openapi'> {
  return {
    'system.openapi': ({ reply }) =>
      reply.type('application/json; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(json),
  };
}
