/**
 * The API's coded errors. Every failure leaves as `{error: {code, message}}` with the status the
 * domain's error table gives its code; library errors (domain, cache) are mapped here and nowhere
 * else.
 */
import { CacheError } from '@agiletrack/cache';
import { API_ERRORS, type ApiErrorCode, DomainError } from '@agiletrack/domain';
import { OutboundForbiddenError } from './security/outbound.ts';

/** An API error code (the domain lists them with their statuses). */
export type ErrorCode = ApiErrorCode;

/** An error that becomes an HTTP answer. */
export class AppError extends Error {
  readonly status: number;
  /** When to try again (sent as `Retry-After`, in whole seconds), for 429 and 503. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.status = API_ERRORS[code];
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Shorthands for the common cases. */
export const notFound = (what: string) => new AppError('E_NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'you do not have access to this resource') => new AppError('E_FORBIDDEN', message);
export const unauthenticated = (message = 'log in or send a valid API token') =>
  new AppError('E_UNAUTHENTICATED', message);

// Connection-level failures (node-postgres, PGlite, sockets) and PostgreSQL's SQLSTATEs for
// "cannot serve now": class 08, shutdown (57P01-57P03), too many connections (53300).
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const UNREACHABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|PGlite is closed/i;

/** Whether `error` (or one of its causes) says the database could not be reached. */
export function isUnreachable(error: unknown): boolean {
  let current = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined;
  for (let depth = 0; current && depth < 6; depth++) {
    const code = typeof current.code === 'string' ? current.code : '';
    if (UNREACHABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    if (typeof current.message === 'string' && UNREACHABLE_MESSAGE.test(current.message)) return true;
    if (Array.isArray(current.errors) && current.errors.some(isUnreachable)) return true;
    current = current.cause as typeof current;
  }
  return false;
}

/** How long clients are told to wait when the database is unreachable. */
const UNAVAILABLE_RETRY_MS = 5_000;

/** Maps any thrown value to an AppError (unknown ones become E_INTERNAL without leaking details). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof OutboundForbiddenError) {
    return new AppError('E_OUTBOUND_FORBIDDEN', error.message, { cause: error });
  }
  if (error instanceof DomainError) {
    const code: ErrorCode = error.code === 'E_INVALID_ID' ? 'E_INVALID_ID' : 'E_VALIDATION';
    return new AppError(code, error.message, { cause: error });
  }
  if (error instanceof CacheError && error.code === 'E_CACHE_KEY_INVALID') {
    return new AppError('E_VALIDATION', error.message, { cause: error });
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code: ErrorCode =
      fastify.statusCode === 413
        ? 'E_PAYLOAD_TOO_LARGE'
        : fastify.statusCode === 415
          ? 'E_UNSUPPORTED_MEDIA_TYPE'
          : fastify.statusCode === 429
            ? 'E_RATE_LIMITED'
            : 'E_BAD_REQUEST';
    return new AppError(code, fastify.message ?? 'bad request', { cause: error });
  }
  if (isUnreachable(error)) {
    return new AppError('E_UNAVAILABLE', 'the database cannot be reached: try again shortly', {
      cause: error,
      retryAfterMs: UNAVAILABLE_RETRY_MS,
    });
  }
  return new AppError('E_INTERNAL', 'internal error', { cause: error });
}
