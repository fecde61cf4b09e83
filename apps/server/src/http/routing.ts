/**
 * Registers the routes of the domain's route table, so the table is the only declaration of the
 * HTTP contract: each route's access guard comes from its `access`, its path parameters, query
 * and body are parsed with its schemas before the handler runs, and a route the table declares
 * without a handler (or the reverse) does not compile.
 *
 * Access is checked on the route the router matched, never on the raw URL, so an encoded path
 * (`/%61pi/…`) gets exactly the guards of the route it reaches.
 */
import {
  API_ROUTES,
  type ApiRoute,
  type RouteBody,
  type RouteOf,
  type RouteParams,
  type RouteQuery,
  type RouteSpec,
  successStatus,
} from '@agiletrack/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { AppError } from '../errors.ts';
import type { Principal } from '../services/accounts.ts';
import { bearerToken, sessionCookie } from './credentials.ts';
import { checkCsrf } from './csrf.ts';
import type { AppDeps } from './deps.ts';
import { type FastRead, type FastReadCounter, fastReads, serveFast } from './fast-read.ts';
import { requireAdmin } from './guards.ts';
import { metricsGuard } from './metrics-access.ts';
import { parse } from './validation.ts';

/** What a handler receives: the request, its parsed input, and the caller when the route needs one. */
export interface RouteContext<R> {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly params: RouteParams<R>;
  readonly query: RouteQuery<R>;
  readonly body: RouteBody<R>;
  /** The authenticated caller: present on every `user` and `admin` route. */
  readonly principal: R extends { readonly access: 'user' | 'admin' } ? Principal : undefined;
}

/**
 * A route's handler. It returns the answer's JSON body (sent with the route's success status;
 * nothing for a 204), or the reply once it has answered itself (a cached read, a stream).
 */
export type RouteHandler<R> = (context: RouteContext<R>) => unknown;

type HandledRoute = Exclude<ApiRoute, { readonly plugin: true }>;
/** A route id the server handles itself (the documentation pages come from a plugin). */
export type HandledRouteId = HandledRoute['id'];

/** One handler for every handled route of the table. */
export type RouteHandlers = { readonly [Id in HandledRouteId]: RouteHandler<RouteOf<Id>> };
/** The handlers of the routes whose ids start with one of `Group` (`teams` → `teams.list`, …). */
export type HandlersOf<Group extends string> = Pick<RouteHandlers, Extract<HandledRouteId, `${Group}.${string}`>>;

const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

declare module 'fastify' {
  interface FastifyInstance {
    /** Reads the fast path answered (`fast-read.ts`). */
    fastReads: FastReadCounter;
  }
}

/** Registers every handled route of the table on `app` with its handler. */
export function registerRoutes(app: FastifyInstance, deps: AppDeps, handlers: RouteHandlers): void {
  const counter: FastReadCounter = { served: 0 };
  app.decorate('fastReads', counter);
  // The fast path skips the `onResponse` hook the debug request log needs.
  const fast = deps.logger.isLevelEnabled('debug') ? {} : fastReads(deps);
  const guards = accessGuards(deps, fast, counter);
  const byId = handlers as Readonly<Record<string, RouteHandler<RouteSpec> | undefined>>;
  for (const spec of API_ROUTES) {
    if (spec.plugin) continue;
    const handler = byId[spec.id];
    if (handler === undefined) throw new Error(`route ${spec.id} has no handler`);
    const guard = guards[spec.access](spec);
    app.route({
      method: spec.method,
      url: spec.path,
      ...(guard.onRequest && { onRequest: guard.onRequest }),
      ...(guard.preHandler && { preHandler: guard.preHandler }),
      handler: handlerOf(spec, handler),
    });
  }
}

interface Guard {
  onRequest?: onRequestHookHandler;
  preHandler?: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

function accessGuards(
  deps: AppDeps,
  fast: Partial<Record<string, FastRead>>,
  counter: FastReadCounter,
): Record<RouteSpec['access'], (spec: RouteSpec) => Guard> {
  const httpsOnly = deps.config.COOKIE_SECURE === 'true';
  const { accounts } = deps;
  const { tap } = deps.ops;
  // A callback hook: a caller whose principal the memory tier holds is authenticated without a
  // promise (and, on a route with a fast read, may be answered at once); any other goes through
  // `authenticate` (database, grace copy, 401).
  const authenticator = (read: FastRead | undefined): onRequestHookHandler =>
    function authenticate(request, reply, done) {
      const bearer = bearerToken(request);
      const cookie = bearer === undefined ? sessionCookie(request) : undefined;
      // While the operation monitor listens, reads take the promise way, whose cache calls it sees
      // (a synchronous read emits no operation event): the principal's and the fast path's.
      const cached = tap.attached ? undefined : accounts.cachedPrincipal(cookie, bearer);
      if (cached !== undefined && read !== undefined && serveFast(request, reply, cached, read, counter)) return;
      // Only a request the cookie authenticated can be forged: checked once it has (else 401 first).
      const credential = bearer !== undefined ? 'bearer' : cookie !== undefined ? 'cookie' : 'none';
      const accept = (principal: Principal) => {
        request.principal = principal;
        try {
          checkCsrf(request, credential, httpsOnly);
        } catch (error) {
          return done(error as Error);
        }
        done();
      };
      if (cached !== undefined) return accept(cached);
      accounts.authenticate({ bearer, cookie }).then(accept, (error: Error) => done(error));
    };
  const user = { onRequest: authenticator(undefined) };
  const userRoute = (spec: RouteSpec): Guard => {
    const read = fast[spec.id];
    return read === undefined ? user : { onRequest: authenticator(read) };
  };
  // A public route that changes something (login) is refused only when the browser says the
  // request is cross-site: there is no session yet, and scripts send neither header.
  const publicUnsafe: Guard = {
    onRequest: function loginCsrf(request, _reply, done) {
      try {
        checkCsrf(request, bearerToken(request) !== undefined ? 'bearer' : 'login', httpsOnly);
      } catch (error) {
        return done(error as Error);
      }
      done();
    },
  };
  const metrics = { preHandler: metricsGuard(deps.config) };
  return {
    public: (spec) => (UNSAFE.has(spec.method) ? publicUnsafe : {}),
    user: userRoute,
    admin: userRoute,
    'metrics-token': () => metrics,
  };
}

function handlerOf(spec: RouteSpec, handler: RouteHandler<RouteSpec>) {
  const status = successStatus(spec);
  const { params: paramsSchema, query: querySchema, body: bodySchema } = spec;
  // Most reads come without a query string: their query parses the same every time.
  const emptyQuery = querySchema?.safeParse({});
  const admin = spec.access === 'admin';
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    // A malformed id is 400 for everyone; then the role; then the rest of the input.
    const params = paramsSchema === undefined ? undefined : parseParams(paramsSchema, request.params);
    if (admin) requireAdmin(request.principal!);
    const query =
      querySchema === undefined
        ? undefined
        : emptyQuery?.success && !request.url.includes('?')
          ? emptyQuery.data
          : parse(querySchema, request.query, 'query');
    const body = bodySchema === undefined ? undefined : parse(bodySchema, request.body ?? undefined);
    const result = await handler({ request, reply, params, query, body, principal: request.principal } as never);
    if (result === reply) return reply;
    if (result === undefined) return reply.code(status).send();
    if (status !== 200) reply.code(status);
    return result;
  };
}

/** Path parameters are ids: a malformed one is `E_INVALID_ID`, naming the parameter. */
function parseParams(schema: NonNullable<RouteSpec['params']>, raw: unknown): unknown {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const name = String(result.error.issues[0]?.path[0] ?? 'id');
  const value = (raw as Record<string, unknown> | undefined)?.[name];
  throw new AppError('E_INVALID_ID', `${name} must be a positive integer or a UUID, got ${JSON.stringify(value)}`);
}
