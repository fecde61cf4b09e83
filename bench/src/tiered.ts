/**
 * Two-tier setups (memory L1 + Redis L2) of every library, built the way each README shows,
 * behind one small interface so the Redis cases and the outage scenario drive them alike.
 * No library gets an invalidation bus: one process, and cache-manager has none to offer.
 */

import { createCache } from '@agiletrack/cache';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import KeyvRedis, { createKeyvNonBlocking, createKeyv as createRedisKeyv } from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { Cacheable, createKeyv as createMemoryKeyv } from 'cacheable';
import { Redis } from 'ioredis';
import { TTL_MS, type Value, within } from './fixtures.ts';

/** Our Redis tier module, loaded at run time (it is being written while the bench is). */
export type RedisTierModule = typeof import('@agiletrack/cache/redis');

/** One library in its two-tier setup. */
export interface TieredContender {
  readonly lib: string;
  get(key: string): Promise<unknown>;
  set(key: string, value: Value): Promise<unknown>;
  getOrSet(key: string, factory: () => Promise<Value>): Promise<unknown>;
  getMany(keys: readonly string[]): Promise<readonly unknown[]>;
  /**
   * `getOrSet` for a batch: ours is `getOrSetMany` (one read per tier, one batch load of the
   * missing keys); the others have no batch getOrSet, so it is `keys.length` concurrent `getOrSet`.
   */
  getOrSetMany(keys: readonly string[], factory: () => Promise<Value>): Promise<readonly unknown[]>;
  /** Whether `get` reads L2 on an L1 miss (false for cacheable's nonBlocking mode). */
  readonly readsThrough: boolean;
  /** `native`: one batch call; `parallel gets`: the library has no batch read, so 100 concurrent gets. */
  readonly batch: 'native' | 'parallel gets';
  /** Errors the library reported through events instead of rejecting. */
  readonly swallowedErrors: () => number;
  close(): Promise<void>;
}

/** Where and how to build a contender. */
export interface TieredOptions {
  /** Redis URL. */
  url: string;
  /** Key prefix for this library, unique to the run. */
  prefix: string;
  /** L1 capacity in entries. */
  l1: number;
}

/** A builder, with a description of the setup for the report. */
export interface TieredBuilder {
  lib: string;
  setup: string;
  build(options: TieredOptions): Promise<TieredContender>;
}

const CLOSE_MS = 5_000;

/** Quits an ioredis client; drops the connection if it does not answer in time. */
async function quit(client: Redis): Promise<void> {
  try {
    await within('ioredis quit', 2_000, () => client.quit());
  } catch {
    client.disconnect();
  }
}

/** Ours: memory tier + our Redis tier on the client our tier module recommends. */
export function oursBuilder(mod: RedisTierModule): TieredBuilder {
  return {
    lib: '@agiletrack/cache',
    setup:
      '`createCache({ tiers: [memoryTier({ maxEntries: 16 }), redisTier({ client: createRedisClient(url), prefix })], ttl: 1 h })`: the client from `createRedisClient` (no offline queue, 1 retry per request); cache defaults otherwise (tier deadline 50 ms, circuit breaker after 5 failures for 5 s)',
    async build({ url, prefix, l1 }) {
      const client = mod.createRedisClient(url);
      client.on('error', () => {});
      await mod.whenReady(client, 5_000);
      const cache = createCache({
        tiers: [memoryTier({ maxEntries: l1 }), mod.redisTier({ client, prefix })],
        ttl: TTL_MS,
      });
      let errors = 0;
      cache.on('tier-error', () => {
        errors++;
      });
      return {
        lib: '@agiletrack/cache',
        get: (key) => cache.get(key),
        set: (key, value) => cache.set(key, value),
        getOrSet: (key, factory) => cache.getOrSet(key, factory),
        getMany: (keys) => cache.getMany(keys),
        getOrSetMany: (keys, factory) =>
          cache.getOrSetMany(keys, (missing) => Promise.all(missing.map(() => factory()))),
        readsThrough: true,
        batch: 'native',
        swallowedErrors: () => errors,
        async close() {
          await within('our cache close', CLOSE_MS, () => cache.close()).catch(() => {});
          await within('our client close', CLOSE_MS, () => mod.closeRedisClient(client)).catch(() =>
            client.disconnect(),
          );
        },
      };
    },
  };
}

/** bentocache: memory driver as L1, Redis driver as L2 (its multi-tier page, without the bus). */
export const bentoBuilder: TieredBuilder = {
  lib: 'bentocache',
  setup:
    "`new BentoCache({ default: 'tiered', ttl: 1 h, prefix, stores: { tiered: bentostore().useL1Layer(memoryDriver({ maxItems: 16 })).useL2Layer(redisDriver({ connection: new Redis(url) })) } })`; the bus is left out (single process); other options at their defaults",
  async build({ url, prefix, l1 }) {
    const client = new Redis(url);
    client.on('error', () => {});
    const bento = new BentoCache({
      default: 'tiered',
      ttl: TTL_MS,
      prefix,
      stores: {
        tiered: bentostore()
          .useL1Layer(memoryDriver({ maxItems: l1 }))
          .useL2Layer(redisDriver({ connection: client })),
      },
    });
    return {
      lib: 'bentocache',
      get: (key) => bento.get({ key }),
      set: (key, value) => bento.set({ key, value }),
      getOrSet: (key, factory) => bento.getOrSet({ key, factory }),
      getMany: (keys) => Promise.all(keys.map((key) => bento.get({ key }))),
      getOrSetMany: (keys, factory) => Promise.all(keys.map((key) => bento.getOrSet({ key, factory }))),
      readsThrough: true,
      batch: 'parallel gets',
      swallowedErrors: () => 0,
      async close() {
        await within('bentocache disconnect', CLOSE_MS, () => bento.disconnect()).catch(() => {});
        if (client.status !== 'end') await quit(client);
      },
    };
  },
};

/** cache-manager: an in-memory Keyv (CacheableMemory) and a @keyv/redis Keyv, as in its README. */
export const managerBuilder: TieredBuilder = {
  lib: 'cache-manager',
  setup:
    "`createCache({ ttl: 1 h, stores: [createKeyv({ lruSize: 16 }) /* cacheable's in-memory Keyv */, createKeyv(url, { namespace }) /* @keyv/redis */] })`, the two-store example of its README. Note: its `get` does not copy an L2 hit into L1 (its `wrap` does)",
  async build({ url, prefix, l1 }) {
    let errors = 0;
    const memory = createMemoryKeyv({ lruSize: l1 });
    const redis = createRedisKeyv(url, { namespace: prefix });
    for (const keyv of [memory, redis]) {
      keyv.on('error', () => {
        errors++;
      });
    }
    const manager = createCacheManager({ ttl: TTL_MS, stores: [memory, redis] });
    return {
      lib: 'cache-manager',
      get: (key) => manager.get(key),
      set: (key, value) => manager.set(key, value),
      getOrSet: (key, factory) => manager.wrap(key, factory),
      getMany: (keys) => manager.mget([...keys]),
      getOrSetMany: (keys, factory) => Promise.all(keys.map((key) => manager.wrap(key, factory))),
      readsThrough: true,
      batch: 'native',
      swallowedErrors: () => errors,
      async close() {
        await within('cache-manager disconnect', CLOSE_MS, () => manager.disconnect()).catch(() => {});
      },
    };
  },
};

function cacheableContender(
  lib: string,
  cache: Cacheable,
  errors: () => number,
  readsThrough: boolean,
): TieredContender {
  return {
    lib,
    readsThrough,
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, factory) => cache.getOrSet(key, factory),
    getMany: (keys) => cache.getMany([...keys]),
    getOrSetMany: (keys, factory) => Promise.all(keys.map((key) => cache.getOrSet(key, factory))),
    batch: 'native',
    swallowedErrors: errors,
    async close() {
      await within(`${lib} disconnect`, CLOSE_MS, () => cache.disconnect()).catch(() => {});
    },
  };
}

/** cacheable: its in-memory primary and a @keyv/redis secondary (its README's layer 1 + layer 2 example). */
export const cacheableBuilder: TieredBuilder = {
  lib: 'cacheable',
  setup:
    '`new Cacheable({ ttl: 1 h, namespace, primary: createKeyv({ lruSize: 16 }), secondary: new KeyvRedis(url) })`: its default primary store type, bounded; blocking mode (the default)',
  async build({ url, prefix, l1 }) {
    let errors = 0;
    const cache = new Cacheable({
      ttl: TTL_MS,
      namespace: prefix,
      primary: createMemoryKeyv({ lruSize: l1 }),
      secondary: new KeyvRedis(url),
    });
    cache.on('error', () => {
      errors++;
    });
    return cacheableContender('cacheable', cache, () => errors, true);
  },
};

/** cacheable as its README recommends when Redis may fail: non-blocking secondary. Outage scenario only. */
export const cacheableNonBlockingBuilder: TieredBuilder = {
  lib: 'cacheable (nonBlocking)',
  setup:
    '`new Cacheable({ ttl: 1 h, namespace, primary: createKeyv({ lruSize: 16 }), secondary: createKeyvNonBlocking(url), nonBlocking: true })`: the README\'s advice for @keyv/redis ("by default it causes hangs"). In this mode `get` answers from the primary only and fills it from Redis in the background, so it is not an L2 read; shown in the outage table only',
  async build({ url, prefix, l1 }) {
    let errors = 0;
    const cache = new Cacheable({
      ttl: TTL_MS,
      namespace: prefix,
      primary: createMemoryKeyv({ lruSize: l1 }),
      secondary: createKeyvNonBlocking(url),
      nonBlocking: true,
    });
    cache.on('error', () => {
      errors++;
    });
    return cacheableContender('cacheable (nonBlocking)', cache, () => errors, false);
  },
};
