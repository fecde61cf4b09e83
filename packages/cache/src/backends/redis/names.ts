/**
 * Where the cache's parts live in Redis, from one prefix. Entries are `<prefix><key>`; the
 * bus channel, the tag hash and the locks are under `<prefix>:`, a doubled separator that no
 * cache key can produce (keys never start with `:`), so a key named `tags` or a namespace named
 * `lock` cannot land on them.
 */
import { CacheOptionsError } from '../../errors.ts';

/** The prefix used when none is given. */
export const DEFAULT_REDIS_PREFIX = 'cache:';

/** The Redis names derived from a prefix. */
export interface RedisNames {
  /** Entries of the Redis tier: `<prefix><key>`. */
  readonly entries: string;
  /** The invalidation bus channel. */
  readonly bus: string;
  /** The hash of tag invalidation stamps. */
  readonly tags: string;
  /** Lock keys: `<lock><key>`. */
  readonly lock: string;
  /** The channel lock releases are announced on. */
  readonly lockReleased: string;
}

/** The names under `prefix` (validated: a non-empty string). `what` names the caller in errors. */
export function redisNames(prefix: string | undefined, what: string): RedisNames {
  const root = prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof root !== 'string' || root.length === 0) {
    throw new CacheOptionsError(`${what}: prefix must be a non-empty string`);
  }
  return {
    entries: root,
    bus: `${root}:bus`,
    tags: `${root}:tags`,
    lock: `${root}:lock:`,
    lockReleased: `${root}:lock-released`,
  };
}
