/**
 * Building blocks of the HTTP API's shapes: ids, timestamps, the error body, pagination, and the
 * route description every resource file uses so the OpenAPI document can be generated from it.
 */
import { z } from 'zod';
import { IdSchema } from '../ids.ts';

/** A row id as the API sends it. */
export const RowId = z.number().int().positive();

/**
 * A time as the API sends it (JSON of a `Date`: ISO 8601 in UTC). Parsed values are branded, so
 * {@link WithDates} can tell a time from other text.
 */
export const Timestamp = z.iso.datetime({ offset: true }).brand<'Timestamp'>();

type TimestampValue = z.output<typeof Timestamp>;

/**
 * A response shape as the server builds it: every {@link Timestamp} a `Date` (JSON sends it as
 * the ISO string the schema describes). The server's view types are these, so they cannot drift
 * from the schemas the dashboard parses with.
 */
export type WithDates<T> = T extends TimestampValue
  ? Date
  : T extends readonly (infer U)[]
    ? WithDates<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: WithDates<T[K]> }
      : T;

/** A display name: trimmed, 1–120 characters. */
export const DisplayName = z.string().trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters');

/** An e-mail address, compared in lower case. */
export const Email = z
  .email()
  .max(254)
  .transform((email) => email.toLowerCase());

/** A role: admins manage users, teams and the cache; members see and change their teams. */
export const Role = z.enum(['admin', 'member']);

/** Every error code the API answers, with its HTTP status. */
export const API_ERRORS = {
  E_VALIDATION: 400,
  E_INVALID_ID: 400,
  E_BAD_REQUEST: 400,
  E_CREDENTIALS_REQUIRED: 400,
  E_OUTBOUND_FORBIDDEN: 400,
  E_UNAUTHENTICATED: 401,
  E_FORBIDDEN: 403,
  E_CSRF: 403,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_PAYLOAD_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_RATE_LIMITED: 429,
  E_TOO_MANY_ATTEMPTS: 429,
  E_INTERNAL: 500,
  E_UNAVAILABLE: 503,
} as const;

/** An error code of the API. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** Every failure: `{error: {code, message}}` with a stable code. */
export const ErrorBody = z.object({
  error: z.object({ code: z.enum(Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]), message: z.string() }),
});

/** Lists: at most this many rows per page unless `limit` says otherwise. */
export const DEFAULT_PAGE_LIMIT = 50;
/** The largest `limit` a list accepts. */
export const MAX_PAGE_LIMIT = 200;

/** `?cursor=&limit=` of every list. The cursor is opaque: pass back the `nextCursor` of a page. */
export const PageQuery = z.strictObject({
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(MAX_PAGE_LIMIT).optional(),
});

/** The `nextCursor` of a page: `null` on the last one. */
export const NextCursor = z.string().nullable();

/** An HTTP method the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Who may call a route: anyone; a logged-in user (session cookie or API token); an admin; the
 * Prometheus scraper with `METRICS_TOKEN`.
 */
export type RouteAccess = 'public' | 'user' | 'admin' | 'metrics-token';

const MAX_ROW_ID = 2_147_483_647;

/**
 * A row id in a path: a positive integer or a UUID (the id forms every key accepts). Rows have
 * integer ids, so a UUID, or an integer past the column's range, names nothing: `null`.
 */
export const RowIdParam = IdSchema.transform((id): number | null => {
  if (!/^[0-9]+$/.test(id)) return null;
  const n = Number(id);
  return n <= MAX_ROW_ID ? n : null;
});

/** A job id in a path: jobs have UUIDs, so an integer names nothing (`null`). */
export const JobIdParam = IdSchema.transform((id): string | null => (/^[0-9]+$/.test(id) ? null : id));

/** One route of the API: what it takes and what it answers. */
export interface RouteSpec {
  /** Stable name (`teams.get`): the server's handler map and the dashboard's client use it. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Fastify form: `/api/teams/:teamId`; each `:name` has a field in `params`. */
  readonly path: string;
  readonly summary: string;
  /** The group it is listed under (`Teams`). */
  readonly tag: string;
  readonly access: RouteAccess;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** Status → JSON body schema; `null` for no body. */
  readonly responses: Readonly<Record<number, z.ZodType | null>>;
  /** A non-JSON answer (`text/event-stream`, Prometheus text, HTML). */
  readonly produces?: string;
  readonly description?: string;
  /** Served by a plugin (the documentation pages), not by a handler of the server's. */
  readonly plugin?: true;
}

/** Declares a route (keeps literal types and checks the shape). */
export const route = <const S extends RouteSpec>(spec: S): S => spec;

/** The status a route answers when it succeeds: its lowest 2xx. */
export function successStatus(spec: RouteSpec): number {
  const codes = Object.keys(spec.responses)
    .map(Number)
    .filter((code) => code >= 200 && code < 300);
  return Math.min(...codes);
}
