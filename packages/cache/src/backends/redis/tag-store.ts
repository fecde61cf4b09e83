/**
 * Tag invalidation times shared through one Redis hash (`tag → stamp`). Reads are synchronous
 * from a local Map (they run on every L1 hit of a tagged entry); writes go to the Map at once and
 * to Redis with a script that keeps the larger stamp, so a late or replayed write never moves a
 * tag's time backwards. Other instances learn of invalidations from the bus (`remember`) and
 * catch up after a bus gap or at startup with `refresh()` / `init()`.
 */

import { withTimeout } from '../../bus/timeout.ts';
import { TagTimes } from '../../core/tag-times.ts';
import { CacheOptionsError } from '../../errors.ts';
import type { Ms, TagStore } from '../../types.ts';
import { checkDuration } from '../../validate.ts';
import type { RedisClient } from './client.ts';
import { redisNames } from './names.ts';
import { luaScript } from './scripts.ts';

/** Redis tag store options. Every default is here. */
export interface RedisTagStoreOptions {
  /** A command client (not closed by the store). */
  client: RedisClient;
  /**
   * The namespace every instance shares; the hash of stamps is `<prefix>:tags` (see `redis/names.ts`).
   * @default 'cache:'
   */
  prefix?: string;
  /**
   * Longest wait for Redis on `invalidate` and `refresh`; past it they reject with
   * `E_CACHE_TIER_TIMEOUT`. The local record is already written by then.
   * @default 500
   */
  timeout?: Ms;
}

// KEYS[1] = the hash; ARGV[1] = the stamp; ARGV[2..] = tags. Returns how many tags moved forward.
const KEEP_MAX = luaScript(`
local at = tonumber(ARGV[1])
local moved = 0
for i = 2, #ARGV do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  if current == nil or current < at then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
    moved = moved + 1
  end
end
return moved
`);

/** The Redis tag store class; create it with {@link redisTagStore}. */
export class RedisTagStore implements TagStore {
  readonly key: string;
  readonly #client: RedisClient;
  readonly #times = new TagTimes();
  readonly #timeout: Ms;

  constructor(options: RedisTagStoreOptions) {
    if (!options?.client) throw new CacheOptionsError('redis tag store: client is required');
    this.#client = options.client;
    checkDuration('timeout', options.timeout);
    this.key = redisNames(options.prefix, 'redis tag store').tags;
    this.#timeout = options.timeout ?? 500;
  }

  /** The last known invalidation stamp of `tag` (local, synchronous). */
  invalidatedAt(tag: string): Ms | undefined {
    return this.#times.get(tag);
  }

  /** Records locally at once, then persists (keeping the larger stamp); rejects if Redis does. */
  async invalidate(tags: readonly string[], at: Ms): Promise<void> {
    this.remember(tags, at);
    if (tags.length === 0) return;
    await withTimeout(
      KEEP_MAX.run(this.#client, [this.key], [String(at), ...tags]),
      this.#timeout,
      'tag-store',
      'invalidate',
    );
  }

  /** Records an invalidation another instance made; persists nothing. */
  remember(tags: readonly string[], at: Ms): void {
    this.#times.remember(tags, at);
  }

  /** Reloads every stamp from Redis, keeping the larger of local and stored. */
  async refresh(): Promise<void> {
    const stored = await withTimeout(this.#client.hgetall(this.key), this.#timeout, 'tag-store', 'refresh');
    for (const [tag, text] of Object.entries(stored)) {
      const at = Number(text);
      // A field someone wrote by hand that is not a number is ignored, not trusted.
      if (Number.isFinite(at)) this.remember([tag], at);
    }
  }

  /** Forgets stamps older than `before`, here and in Redis (HDEL of the old fields). */
  async prune(before: Ms): Promise<number> {
    const removed = this.#times.prune(before);
    const stored = await withTimeout(this.#client.hgetall(this.key), this.#timeout, 'tag-store', 'prune');
    const old = Object.entries(stored)
      .filter(([, text]) => Number(text) < before)
      .map(([tag]) => tag);
    if (old.length > 0) await withTimeout(this.#client.hdel(this.key, ...old), this.#timeout, 'tag-store', 'prune');
    return Math.max(removed, old.length);
  }

  /** Loads the stored stamps; call once at startup before serving. */
  init(): Promise<void> {
    return this.refresh();
  }
}

/** Creates a Redis tag store. */
export function redisTagStore(options: RedisTagStoreOptions): RedisTagStore {
  return new RedisTagStore(options);
}
