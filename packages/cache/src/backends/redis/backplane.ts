/**
 * Everything a cache shares through Redis, built from one client and one prefix:
 *
 *   const redis = redisBackplane({ client: createRedisClient(url), prefix: 'app:v1:' });
 *   await redis.init();
 *   const cache = createCache({
 *     tiers: [memoryTier(), redis.tier],
 *     bus: redis.bus, tagStore: redis.tagStore, lock: redis.lock,
 *   });
 *
 * Entries live under the prefix; the bus channel, tag hash and locks under `<prefix>:` (see
 * `names.ts`). Instances built with the same client target and prefix share one cache.
 */
import { type RedisBus, type RedisBusOptions, redisBus } from './bus.ts';
import type { RedisClient } from './client.ts';
import { type RedisLock, type RedisLockOptions, redisLock } from './lock.ts';
import { type RedisTagStore, type RedisTagStoreOptions, redisTagStore } from './tag-store.ts';
import { type RedisTier, type RedisTierOptions, redisTier } from './tier.ts';

type Shared = 'client' | 'prefix';

/** Options of {@link redisBackplane}. The parts' own options are passed through. */
export interface RedisBackplaneOptions {
  /** One command client for every part (not closed by them unless `tier.ownsClient`). */
  client: RedisClient;
  /**
   * The namespace of everything stored; a version in it (`app:v2:`) starts a new format empty.
   * @default 'cache:'
   */
  prefix?: string;
  /** More options of the Redis tier. */
  tier?: Omit<RedisTierOptions, Shared>;
  /** More options of the bus. */
  bus?: Omit<RedisBusOptions, Shared>;
  /** More options of the tag store. */
  tagStore?: Omit<RedisTagStoreOptions, Shared>;
  /** More options of the lock. */
  lock?: Omit<RedisLockOptions, Shared>;
}

/** The parts, wired to one client and prefix; hand them to `createCache`. */
export interface RedisBackplane {
  readonly tier: RedisTier;
  readonly bus: RedisBus;
  readonly tagStore: RedisTagStore;
  readonly lock: RedisLock;
  /** Loads the tag stamps other instances stored. Call once before serving; rejects if Redis is down. */
  init(): Promise<void>;
}

/** Builds a Redis tier, bus, tag store and lock sharing `client` and `prefix`. */
export function redisBackplane(options: RedisBackplaneOptions): RedisBackplane {
  const { client, prefix } = options;
  const tagStore = redisTagStore({ ...options.tagStore, client, prefix });
  return {
    tier: redisTier({ ...options.tier, client, prefix }),
    bus: redisBus({ ...options.bus, client, prefix }),
    tagStore,
    lock: redisLock({ ...options.lock, client, prefix }),
    init: () => tagStore.init(),
  };
}
