/**
 * Builds the OpenAPI 3.1 document from the route table: path parameters from `:name`, query
 * parameters from each query schema's fields, bodies and answers from the zod schemas (JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is).
 */
import { z } from 'zod';
import { ErrorBody, type RouteSpec } from './common.ts';
import { API_ROUTES } from './routes.ts';

type JsonSchema = Record<string, unknown>;

const ID_PATTERN = '^([1-9][0-9]{0,15}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  304: 'Not modified (the `If-None-Match` ETag is current)',
  503: 'Unavailable',
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

function operation(spec: RouteSpec): JsonSchema {
  const parameters: JsonSchema[] = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: ID_PATTERN },
  }));
  if (spec.query) {
    const query = jsonSchema(spec.query, 'input');
    const properties = (query.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(properties)) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(spec.responses)) {
    const description = STATUS_TEXT[Number(status)] ?? 'Answer';
    if (schema === null) {
      responses[status] = spec.produces
        ? { description, content: { [spec.produces]: { schema: { type: 'string' } } } }
        : { description };
    } else {
      responses[status] = { description, content: { 'application/json': { schema: jsonSchema(schema, 'output') } } };
    }
  }
  if (spec.body || spec.query || spec.path.includes(':')) responses['400'] = errorResponse('Invalid input');
  if (spec.access !== 'public') responses['401'] = errorResponse('Not logged in, or the token is invalid');
  if (spec.access === 'admin' || spec.path.includes(':')) responses['403'] = errorResponse('Not allowed');
  if (spec.path.includes(':')) responses['404'] = errorResponse('No such entity');
  const op: JsonSchema = {
    operationId: spec.id,
    summary: spec.summary,
    tags: [spec.tag],
    parameters,
    responses,
  };
  if (spec.description) op.description = spec.description;
  if (spec.body) {
    const optional = spec.body.safeParse(undefined).success;
    op.requestBody = {
      required: !optional,
      content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
    };
  }
  if (spec.access === 'public') op.security = [];
  else if (spec.access === 'metrics-token') op.security = [{ metricsToken: [] }];
  if (spec.access === 'admin') op['x-access'] = 'admin';
  return op;
}

/** The OpenAPI path of a Fastify path: `/api/teams/:teamId` → `/api/teams/{teamId}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z]+)/g, '{$1}');

/** The OpenAPI 3.1 document of `routes` (default: every route). */
export function buildOpenApiDocument(options: { version?: string; routes?: readonly RouteSpec[] } = {}): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of options.routes ?? API_ROUTES) {
    const path = openApiPath(spec.path);
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AgileTrack API',
      version: options.version ?? '0.1.0',
      description:
        'Delivery metrics for teams. JSON over HTTP; log in for a session cookie or send `Authorization: Bearer <token>`. ' +
        'Failures answer `{error: {code, message}}`. Lists take an opaque `cursor` and a `limit` and answer `nextCursor`. ' +
        'Cacheable reads answer an `ETag` (send `If-None-Match` for a 304) and `X-Cache`/`X-Cache-Tier`; ' +
        '`Cache-Control: no-cache` without `If-None-Match` bypasses every cache tier.',
    },
    servers: [{ url: '/' }],
    security: [{ sessionCookie: [] }, { bearerToken: [] }],
    tags: [...new Set((options.routes ?? API_ROUTES).map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'agiletrack_session' },
        bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token from POST /api/me/tokens' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
      },
    },
  };
}
