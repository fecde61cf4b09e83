/**
 * The API's coded errors. Every failure leaves as `{error: {code, message}}` with the status from
 * this table; library errors (domain, cache) are mapped here and nowhere else.
 */
import { CacheError } from '@agiletrack/cache';
import { DomainError } from '@agiletrack/domain';

/** Code → HTTP status. */
export const ErrorStatus = {
  E_VALIDATION: 400,
  E_INVALID_ID: 400,
  E_BAD_REQUEST: 400,
  E_UNAUTHENTICATED: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_PAYLOAD_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_RATE_LIMITED: 429,
  E_INTERNAL: 500,
  E_UNAVAILABLE: 503,
} as const;

/** An API error code. */
export type ErrorCode = keyof typeof ErrorStatus;

/** An error that becomes an HTTP answer. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.status = ErrorStatus[code];
  }
}

/** Shorthands for the common cases. */
export const notFound = (what: string) => new AppError('E_NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'you do not have access to this resource') => new AppError('E_FORBIDDEN', message);
export const unauthenticated = (message = 'log in or send a valid API token') =>
  new AppError('E_UNAUTHENTICATED', message);

/** Maps any thrown value to an AppError (unknown ones become E_INTERNAL without leaking details). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
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
  return new AppError('E_INTERNAL', 'internal error', { cause: error });
}
