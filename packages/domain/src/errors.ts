/**
 * Coded errors of @agiletrack/domain. Every error carries a stable `code` and keeps its `cause`,
 * so the API can map it to a status and a `{error: {code, message}}` body without parsing messages.
 */

/** Every code this package throws. */
export const DomainErrorCodes = {
  INVALID_ID: 'E_INVALID_ID',
  INVALID_KEY: 'E_INVALID_KEY',
  INVALID_TAG: 'E_INVALID_TAG',
  INVALID_POLICY: 'E_INVALID_POLICY',
  INVALID_EVENT: 'E_INVALID_EVENT',
} as const;

/** A code from {@link DomainErrorCodes}. */
export type DomainErrorCode = (typeof DomainErrorCodes)[keyof typeof DomainErrorCodes];

/** The one error class of this package; callers branch on `code`, not on subclasses or messages. */
export class DomainError extends Error {
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DomainError';
    this.code = code;
  }
}

/** Renders untrusted input for an error message: quoted, bounded, and never `[object Object]`. */
export function describeInput(input: unknown): string {
  if (typeof input === 'string') {
    const shown = input.length > 64 ? `${input.slice(0, 64)}…` : input;
    return JSON.stringify(shown);
  }
  if (typeof input === 'number') return Object.is(input, -0) ? '-0' : String(input);
  if (input === null || input === undefined || typeof input === 'boolean') return String(input);
  if (typeof input === 'bigint') return `${input}n`;
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`;
}
