/**
 * Coded errors of @agiletrack/cache. Every error the library throws is a {@link CacheError} with
 * a stable `code`, keeping its `cause`, so an application can map it to a status without parsing
 * messages. The one exception is deliberate: an error thrown by your own factory or `loadMany`
 * reaches the caller of `getOrSet` / `getOrSetMany` unchanged (not wrapped), when there is no
 * stale value to serve instead.
 */

/**
 * Every code this library throws. The classes below name their code as a literal, type-checked
 * against this table, so a bundle that never reads the table leaves it out.
 */
export const CacheErrorCodes = {
  KEY_INVALID: 'E_CACHE_KEY_INVALID',
  NAMESPACE_INVALID: 'E_CACHE_NAMESPACE_INVALID',
  OPTIONS_INVALID: 'E_CACHE_OPTIONS_INVALID',
  ENTRY_TOO_LARGE: 'E_CACHE_ENTRY_TOO_LARGE',
  ENTRY_UNSERIALIZABLE: 'E_CACHE_ENTRY_UNSERIALIZABLE',
  ENTRY_CORRUPT: 'E_CACHE_ENTRY_CORRUPT',
  DECRYPT_FAILED: 'E_CACHE_DECRYPT_FAILED',
  ENCRYPTION_KEY_MISSING: 'E_CACHE_ENCRYPTION_KEY_MISSING',
  SENSITIVE_REFUSED: 'E_CACHE_SENSITIVE_REFUSED',
  FACTORY_TIMEOUT: 'E_CACHE_FACTORY_TIMEOUT',
  TIER_TIMEOUT: 'E_CACHE_TIER_TIMEOUT',
  TIER_UNAVAILABLE: 'E_CACHE_TIER_UNAVAILABLE',
  CLOSED: 'E_CACHE_CLOSED',
  ARGUMENT_INVALID: 'E_CACHE_ARGUMENT_INVALID',
  LOAD_RESULT_INVALID: 'E_CACHE_LOAD_RESULT_INVALID',
  BACKEND_FAILED: 'E_CACHE_BACKEND_FAILED',
} as const;

/** A code from {@link CacheErrorCodes}. */
export type CacheErrorCode = (typeof CacheErrorCodes)[keyof typeof CacheErrorCodes];

/** Base class of every error this library throws. */
export class CacheError extends Error {
  readonly code: CacheErrorCode;

  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A key or key part that is empty, too long, has control characters or the reserved separator. */
export class CacheKeyError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CACHE_KEY_INVALID', message, options);
  }
}

/** A namespace name that could collide with another namespace or with keys. */
export class CacheNamespaceError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CACHE_NAMESPACE_INVALID', message, options);
  }
}

/** An option that is out of range; thrown when the cache or tier is created, never later. */
export class CacheOptionsError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CACHE_OPTIONS_INVALID', message, options);
  }
}

/** A value larger than a tier's `maxEntrySize`: refused loudly instead of silently dropped. */
export class CacheEntryTooLargeError extends CacheError {
  constructor(
    readonly key: string,
    readonly size: number,
    readonly limit: number,
    tier: string,
  ) {
    super(
      'E_CACHE_ENTRY_TOO_LARGE',
      `entry "${key}" is ${size} bytes, above the ${tier} tier's maxEntrySize of ${limit} bytes`,
    );
  }
}

/** A value the codec cannot represent (a function, a symbol, a cycle). */
export class CacheUnserializableError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CACHE_ENTRY_UNSERIALIZABLE', message, options);
  }
}

/** A stored entry that cannot be decoded. Tiers catch it, drop the entry and count it. */
export class CacheCorruptEntryError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CACHE_ENTRY_CORRUPT', message, options);
  }
}

/** Decryption failed: unknown key id, wrong key, or tampered data. Read as a counted miss. */
export class CacheDecryptError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CACHE_DECRYPT_FAILED', message, options);
  }
}

/** A `sensitive` entry was written to a shared tier while no encryption key is configured. */
export class CacheEncryptionKeyMissingError extends CacheError {
  constructor(key: string) {
    super(
      'E_CACHE_ENCRYPTION_KEY_MISSING',
      `entry "${key}" is marked sensitive but no encryption key is configured for shared tiers`,
    );
  }
}

/** A tier that must never hold sensitive data (browser storage) was asked to. */
export class CacheSensitiveRefusedError extends CacheError {
  constructor(key: string, tier: string) {
    super('E_CACHE_SENSITIVE_REFUSED', `the ${tier} tier refuses sensitive entry "${key}"`);
  }
}

/** `getOrSet` waited `timeout` ms for a factory and had no stale value to fall back on. */
export class CacheFactoryTimeoutError extends CacheError {
  constructor(key: string, timeout: number) {
    super('E_CACHE_FACTORY_TIMEOUT', `factory for "${key}" did not settle within ${timeout} ms`);
  }
}

/** An asynchronous tier call passed its deadline. Counted as a miss, never surfaced to callers. */
export class CacheTierTimeoutError extends CacheError {
  constructor(tier: string, op: string, deadline: number) {
    super('E_CACHE_TIER_TIMEOUT', `${tier} tier ${op} exceeded its ${deadline} ms deadline`);
  }
}

/** The circuit breaker of a tier is open: the call was skipped. */
export class CacheTierUnavailableError extends CacheError {
  constructor(tier: string) {
    super('E_CACHE_TIER_UNAVAILABLE', `${tier} tier is unavailable (circuit open)`);
  }
}

/** The cache was closed; it accepts no more operations. */
export class CacheClosedError extends CacheError {
  constructor() {
    super('E_CACHE_CLOSED', 'the cache is closed');
  }
}

/** An argument a method cannot take (a topic name, a message, a table), or a call made twice. */
export class CacheArgumentError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CACHE_ARGUMENT_INVALID', message, options);
  }
}

/** A `loadMany` that broke its contract: not an array of one value per key. */
export class CacheLoadResultError extends CacheError {
  constructor(expected: number, got: unknown) {
    super(
      'E_CACHE_LOAD_RESULT_INVALID',
      `loadMany must resolve to an array of ${expected} values (one per key, same order); got ${
        Array.isArray(got) ? `${got.length} values` : typeof got
      }`,
    );
  }
}

/** A backend (Redis, PostgreSQL) connection or command failed; `cause` holds the driver's error. */
export class CacheBackendError extends CacheError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CACHE_BACKEND_FAILED', message, options);
  }
}
