/**
 * `POST /graphql` (api.github.com) and `POST /api/graphql` (GitHub Enterprise Server): a query is
 * parsed and validated against the schema, priced with GitHub's cost model, charged to the
 * token's hourly points and per-minute secondary budget, then run. Every answer carries
 * `x-ratelimit-*` headers for the `graphql` resource, and `rateLimit { … }` resolves to this
 * query's cost and what is left. A heavy query may fail with 502 when so configured.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DocumentNode, execute, type GraphQLError, parse, validate } from 'graphql';
import type { SimContext } from '../../context.ts';
import { sendJson } from '../../http.ts';
import { retryAfterSeconds, type WindowState } from '../../rate-limit.ts';
import { tokenOf } from '../respond.ts';
import { queryCost } from './cost.ts';
import { rootValue, SortedLists } from './root.ts';
import { githubSchema } from './schema.ts';

interface GraphqlBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

// GitHub puts an error's `type` at the top level of the error object.
const shaped = (error: GraphQLError) => {
  const { type, ...rest } = (error.extensions ?? {}) as { type?: string };
  return {
    ...(type !== undefined && { type }),
    message: error.message,
    ...(error.path && { path: error.path }),
    ...(error.locations && { locations: error.locations }),
    ...(Object.keys(rest).length > 0 && { extensions: rest }),
  };
};

function rateHeaders(reply: FastifyReply, state: WindowState): void {
  reply.headers({
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': String(Math.ceil(state.resetAt / 1000)),
    'x-ratelimit-used': String(state.used),
    'x-ratelimit-resource': 'graphql',
  });
}

/** Registers both GraphQL paths. */
export function registerGraphqlRoutes(app: FastifyInstance, ctx: SimContext): void {
  const lists = new SortedLists(ctx.dataset);
  const limits = ctx.github.graphql;

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = tokenOf(request.headers.authorization);
    if (token === undefined || !ctx.github.tokens.has(token)) {
      return sendJson(reply, 401, {
        message: request.headers.authorization ? 'Bad credentials' : 'This endpoint requires you to be authenticated.',
        documentation_url: 'https://docs.github.com/graphql',
      });
    }
    const body = (request.body ?? {}) as GraphqlBody;
    const variables = (typeof body.variables === 'object' && body.variables !== null ? body.variables : {}) as Record<
      string,
      unknown
    >;
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    if (typeof body.query !== 'string') {
      return sendJson(reply, 200, {
        errors: [{ message: 'A query attribute must be specified and must be a string.' }],
      });
    }
    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (error) {
      return sendJson(reply, 200, { errors: [shaped(error as GraphQLError)] });
    }
    const invalid = validate(githubSchema, document);
    if (invalid.length > 0) return sendJson(reply, 200, { errors: invalid.map(shaped) });

    const cost = queryCost(document, variables, operationName);
    if (limits.badGateway && cost.nodes >= limits.badGateway.minNodes) {
      if (limits.random.next() < limits.badGateway.probability) {
        return sendJson(reply, 502, { message: 'Server Error: this query took too long to answer' });
      }
    }
    const secondary = limits.secondary.take(token, cost.points);
    if (!secondary.allowed) {
      rateHeaders(reply, limits.primary.peek(token));
      reply.header('retry-after', String(retryAfterSeconds(secondary.resetAt, ctx.now())));
      return sendJson(reply, 403, {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api',
      });
    }
    const primary = limits.primary.take(token, cost.points);
    if (!primary.allowed) {
      rateHeaders(reply, { ...primary, remaining: 0 });
      return sendJson(reply, 200, {
        errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for this token.' }],
      });
    }
    rateHeaders(reply, primary);
    const rateLimit = {
      cost: cost.points,
      limit: primary.limit,
      nodeCount: cost.nodes,
      remaining: primary.remaining,
      resetAt: new Date(primary.resetAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      used: primary.used,
    };
    const result = await execute({
      schema: githubSchema,
      document,
      rootValue: rootValue(ctx.dataset, lists, rateLimit),
      variableValues: variables,
      ...(operationName !== undefined && { operationName }),
    });
    return sendJson(reply, 200, {
      ...(result.data !== undefined && { data: result.data }),
      ...(result.errors && { errors: result.errors.map(shaped) }),
    });
  };

  app.post('/graphql', handle);
  app.post('/api/graphql', handle);
}
