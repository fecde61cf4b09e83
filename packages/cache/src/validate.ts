/** Option and key checks shared by the cache and its tiers. Each throws a precise coded error. */
import { CacheKeyError, CacheOptionsError } from './errors.ts';

/** Throws unless `value` is undefined or an integer in [min, max]. */
export function checkInt(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new CacheOptionsError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

/** Throws unless `value` is undefined or a duration in ms: a positive integer or Infinity. */
export function checkDuration(name: string, value: unknown, { allowZero = false } = {}): void {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return;
  checkInt(name, value, allowZero ? 0 : 1);
}

/** The longest key accepted by default, in characters. */
export const DEFAULT_MAX_KEY_LENGTH = 512;

// Control characters (C0, DEL, C1) and the separators that would let one key impersonate another.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The character that joins a namespace to its keys; reserved, so `a` + `b:c` cannot equal `a:b` + `c`. */
export const NAMESPACE_SEPARATOR = ':';

// One scan for the common case (a valid key); the precise message is worked out only on failure.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN_IN_KEY = /[\u0000-\u001f\u007f-\u009f\u2028\u2029:]/;

/**
 * Validates one logical key. `what` names it in the message ("key", "tag", "namespace").
 * Tags may contain the separator (`team:12`): they never become part of a storage key.
 */
export function checkKey(key: unknown, maxLength: number, what = 'key', allowSeparator = false): asserts key is string {
  if (
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= maxLength &&
    !allowSeparator &&
    !FORBIDDEN_IN_KEY.test(key)
  )
    return;
  if (typeof key !== 'string') throw new CacheKeyError(`${what} must be a string, got ${typeof key}`);
  if (key.length === 0) throw new CacheKeyError(`${what} must not be empty`);
  if (key.length > maxLength) {
    throw new CacheKeyError(`${what} is ${key.length} characters, longer than the limit of ${maxLength}`);
  }
  if (FORBIDDEN.test(key)) throw new CacheKeyError(`${what} ${JSON.stringify(key)} contains a control character`);
  if (!allowSeparator && key.includes(NAMESPACE_SEPARATOR)) {
    throw new CacheKeyError(
      `${what} ${JSON.stringify(key)} contains "${NAMESPACE_SEPARATOR}", which is reserved as the namespace separator`,
    );
  }
}
