/**
 * The route table: every route of the HTTP API, from each resource's file. The server registers
 * its routes from it, the dashboard calls them through a client built from it, and the OpenAPI
 * document is generated from it.
 */
import type { z } from 'zod';
import { adminCacheRoutes } from './admin-cache.ts';
import { auditRoutes } from './audit.ts';
import { authRoutes } from './auth.ts';
import type { RouteSpec } from './common.ts';
import { connectorRoutes } from './connectors.ts';
import { goalRoutes } from './goals.ts';
import { integrationRoutes } from './integrations.ts';
import { metricsRoutes } from './metrics.ts';
import { systemRoutes } from './system.ts';
import { teamRoutes } from './teams.ts';
import { tokenRoutes } from './tokens.ts';
import { userRoutes } from './users.ts';
import { webhookRoutes } from './webhooks.ts';

const ALL = [
  ...authRoutes,
  ...tokenRoutes,
  ...userRoutes,
  ...teamRoutes,
  ...integrationRoutes,
  ...connectorRoutes,
  ...webhookRoutes,
  ...metricsRoutes,
  ...goalRoutes,
  ...auditRoutes,
  ...adminCacheRoutes,
  ...systemRoutes,
];

/** The path every JSON route of the API lives under (the dashboard's pages live elsewhere). */
export const API_PREFIX = '/api';

/** One route of the table, with its literal types. */
export type ApiRoute = (typeof ALL)[number];
/** A route's id (`teams.get`). */
export type RouteId = ApiRoute['id'];
/** The route of an id. */
export type RouteOf<Id extends RouteId> = Extract<ApiRoute, { id: Id }>;

/** Every route, grouped as the document lists them. */
export const API_ROUTES: readonly RouteSpec[] = ALL;

/** Every route by id. */
export const ROUTES = Object.fromEntries(ALL.map((spec) => [spec.id, spec])) as {
  readonly [Id in RouteId]: RouteOf<Id>;
};

type Schema<S, K extends string> = S extends { readonly [P in K]: infer T extends z.ZodType } ? T : undefined;
type SuccessSchema<R> = R extends { readonly responses: infer Rs }
  ? Rs extends { readonly 200: infer T }
    ? T
    : Rs extends { readonly 201: infer T }
      ? T
      : Rs extends { readonly 202: infer T }
        ? T
        : null
  : null;

/** What a caller sends as a route's path parameters, query and body (before parsing). */
export type RouteParamsIn<R> = Schema<R, 'params'> extends z.ZodType ? z.input<Schema<R, 'params'>> : undefined;
export type RouteQueryIn<R> = Schema<R, 'query'> extends z.ZodType ? z.input<Schema<R, 'query'>> : undefined;
export type RouteBodyIn<R> = Schema<R, 'body'> extends z.ZodType ? z.input<Schema<R, 'body'>> : undefined;
/** What a handler receives: the parsed path parameters, query and body. */
export type RouteParams<R> = Schema<R, 'params'> extends z.ZodType ? z.output<Schema<R, 'params'>> : undefined;
export type RouteQuery<R> = Schema<R, 'query'> extends z.ZodType ? z.output<Schema<R, 'query'>> : undefined;
export type RouteBody<R> = Schema<R, 'body'> extends z.ZodType ? z.output<Schema<R, 'body'>> : undefined;
/** A route's answer when it succeeds (JSON), parsed; `undefined` for none. */
export type RouteAnswer<R> = SuccessSchema<R> extends z.ZodType ? z.output<SuccessSchema<R>> : undefined;

/** `/api/teams/:teamId` with `{teamId: 12}` → `/api/teams/12`, each value URL-encoded. */
export function routePath(spec: RouteSpec, params?: Readonly<Record<string, string | number>>): string {
  return spec.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`route ${spec.id} needs the path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

type Input<R> = (RouteParamsIn<R> extends undefined ? { params?: undefined } : { params: RouteParamsIn<R> }) & {
  query?: RouteQueryIn<R>;
} & (RouteBodyIn<R> extends undefined ? { body?: undefined } : { body: RouteBodyIn<R> });

/** What a route takes: its path parameters, its query and its body, as the route table types them. */
export type RouteInput<Id extends RouteId> = Input<RouteOf<Id>>;

/** A route's input as an argument list: optional when every part of it is. */
export type RouteArgs<Id extends RouteId> =
  Partial<RouteInput<Id>> extends RouteInput<Id> ? [RouteInput<Id>?] : [RouteInput<Id>];

/** The URL of a route: its path with the parameters filled in, then the query's defined fields. */
export function routeUrl<Id extends RouteId>(id: Id, ...[input]: RouteArgs<Id>): string {
  const path = routePath(ROUTES[id], input?.params as Record<string, string | number> | undefined);
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries((input?.query ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  return query.size > 0 ? `${path}?${query}` : path;
}
