/**
 * Calls to the AgileTrack API: same-origin, session cookie, `{error: {code, message}}` on failure.
 * Routes are named by their id in the domain's route table, which builds their URL and parses
 * their answer: no path is written here or in the pages.
 */
import {
  type ApiErrorCode,
  ErrorBody,
  type FieldProblem,
  fieldProblems,
  installHumanMessages,
  ROUTES,
  type RouteAnswer,
  type RouteArgs,
  type RouteId,
  type RouteInput,
  type RouteOf,
  type RouteSpec,
  routeUrl,
  validationMessage,
} from '@agiletrack/domain';

// Whatever checks input with the API's schemas (forms, `call`) comes through here once someone is
// logged in or resets a password: from then on they speak in the API's words.
installHumanMessages();

/** A failed API call, with the server's error code (`E_HTTP_<status>` when the answer had none). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode | `E_HTTP_${number}`,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** A validation failure's problems, by field (none for any other failure). */
  get problems(): FieldProblem[] {
    return this.code === 'E_VALIDATION' ? fieldProblems(this.message) : [];
  }
}

let onUnauthorized: (() => void) | undefined;

/** Called when the API answers 401: the session ended (logout elsewhere, expiry). */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const { error } = ErrorBody.parse(await response.json());
    return new ApiError(response.status, error.code, error.message);
  } catch {
    // Not the API's error body (a proxy's error page): keep the status line.
    const message = response.statusText || `request failed with status ${response.status}`;
    return new ApiError(response.status, `E_HTTP_${response.status}`, message);
  }
}

/**
 * Sends a request; resolves with the response when it is 2xx or 304, rejects with {@link ApiError}
 * otherwise (and, for a request of a signed-in user, tells the app about a 401 first).
 */
export async function api(path: string, init: RequestInit = {}, signedIn = true): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  // Our caches are the cache, so the browser's HTTP cache is left out ('no-store'). For such a
  // request (and for any request with If-None-Match) the browser would add `Cache-Control:
  // no-cache`, which the server reads as Force refresh; an explicit header keeps it from doing so.
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'max-age=0');
  const response = await fetch(path, { cache: 'no-store', ...init, headers, credentials: 'same-origin' });
  if (response.ok || response.status === 304) return response;
  const error = await errorOf(response);
  if (response.status === 401 && signedIn) onUnauthorized?.();
  throw error;
}

/** Calls a route and returns its parsed answer (`undefined` when it sends none). */
export async function call<Id extends RouteId>(id: Id, ...[input]: RouteArgs<Id>): Promise<RouteAnswer<RouteOf<Id>>> {
  const spec = ROUTES[id];
  const url = routeUrl(id, ...([input] as [RouteInput<Id>]));
  const body = input?.body;
  // The route's own schema checks the body first: a form hears of a problem at once, in the words
  // and the form the API would use, and nothing is sent.
  const bodySchema = (spec as RouteSpec).body;
  if (body !== undefined && bodySchema !== undefined) {
    const checked = bodySchema.safeParse(body);
    if (!checked.success) throw new ApiError(400, 'E_VALIDATION', validationMessage(checked.error.issues, 'body'));
  }
  const init = { method: spec.method, ...(body !== undefined && { body: JSON.stringify(body) }) };
  // A 401 from logging in or out is about those credentials, not a session that just ended.
  const response = await api(url, init, spec.tag !== 'Auth');
  const schema = answerSchema(spec.responses);
  if (response.status === 204 || schema === undefined) return undefined as RouteAnswer<RouteOf<Id>>;
  return schema.parse(await response.json()) as RouteAnswer<RouteOf<Id>>;
}

function answerSchema(responses: Readonly<Record<number, { parse(value: unknown): unknown } | null>>) {
  return responses[200] ?? responses[201] ?? responses[202] ?? undefined;
}

/** A readable message for any error. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
