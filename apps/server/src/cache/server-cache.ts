/**
 * The server side of the caching system: L1 memory in front of L2 —
 * Redis (with the invalidation bus, shared tag store and stampede lock) when `REDIS_URL` or
 * `REDIS_CLUSTER_NODES` is set, otherwise the Postgres-table tier in the application database
 * (PGlite in embedded mode).
 */
import { type Cache, createCache, type Encryptor, type Tier } from '@agiletrack/cache';
import { pgListener, postgresBus, postgresTagStore } from '@agiletrack/cache/bus/postgres';
import { redisBus, redisLock, redisTagStore } from '@agiletrack/cache/bus/redis';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import { postgresTier } from '@agiletrack/cache/tiers/postgres';
import {
  closeRedisClient,
  createRedisClient,
  parseClusterNodes,
  type RedisClient,
  redisTier,
  whenReady,
} from '@agiletrack/cache/tiers/redis';
import type { Logger } from 'pino';
import { type Config, describeMode } from '../config.ts';
import type { Database } from '../db/database.ts';

/** What the rest of the server uses. */
export interface ServerCache {
  /** The application cache (the seven logical keys live at its root). */
  readonly cache: Cache;
  /** Session and token lookups, cleared alone. */
  readonly auth: Cache;
  /** The Redis connection, when Redis is used (stats, events, jobs share it). */
  readonly redis: RedisClient | undefined;
  /** `redis`, `redis-cluster` or `database`. */
  readonly l2: 'redis' | 'redis-cluster' | 'database';
  close(): Promise<void>;
}

// A team's keys share one Redis Cluster slot: `team_12`, `team_12_metrics` → `{team_12}`.
const TEAM_KEY = /^team_([0-9]+|[0-9a-f-]{36})(?:_|$)/;
const teamHashTag = (key: string): string | undefined => {
  const match = TEAM_KEY.exec(key);
  return match ? `{team_${match[1]}}` : undefined;
};

/** The LISTEN/NOTIFY channel of one deployment (its schema), so deployments sharing a database stay apart. */
const busChannel = (schema: string) => `agiletrack_bus_${schema}`.slice(0, 63);

/** Builds the server's cache for the configured mode. */
export async function createServerCache(options: {
  config: Config;
  database: Database;
  encryptor: Encryptor;
  logger: Logger;
}): Promise<ServerCache> {
  const { config, database, encryptor, logger } = options;
  const mode = describeMode(config).cache;
  const l1 = memoryTier({ ttl: config.CACHE_L1_TTL_MS, maxBytes: config.CACHE_L1_MAX_BYTES });
  const common = {
    ttl: config.CACHE_L2_TTL_MS,
    grace: 6 * 3_600_000,
    tierDeadline: config.CACHE_TIER_DEADLINE_MS,
    codec: { encryptor },
  };

  if (mode === 'database') {
    const l2 = postgresTier({ client: database.sql, name: 'postgres' });
    await l2.ensureSchema();
    // Several instances on one PostgreSQL: LISTEN/NOTIFY carries invalidations and the tag table
    // shares tag stamps. PGlite is one process: nothing to tell anyone.
    const shared =
      database.kind === 'postgres' && config.DATABASE_URL
        ? {
            bus: postgresBus({
              client: database.sql,
              listen: pgListener(config.DATABASE_URL),
              channel: busChannel(database.schema),
            }),
            tagStore: postgresTagStore({ client: database.sql }),
          }
        : undefined;
    await shared?.tagStore.init();
    const cache = createCache({ tiers: [l1, l2], ...common, ...shared });
    return { cache, auth: cache.namespace('auth'), redis: undefined, l2: mode, close: () => cache.close() };
  }

  const redis =
    mode === 'redis-cluster'
      ? createRedisClient(parseClusterNodes(config.REDIS_CLUSTER_NODES!))
      : createRedisClient(config.REDIS_URL!);
  let lastError = '';
  redis.on('error', (error: Error) => {
    // ioredis reports every failed reconnect; log each distinct problem once.
    if (error.message !== lastError) logger.warn({ err: error.message }, 'redis connection problem');
    lastError = error.message;
  });
  redis.on('ready', () => {
    if (lastError) logger.info('redis connection restored');
    lastError = '';
  });
  await whenReady(redis, 5_000).catch(() =>
    logger.warn('redis is not reachable yet: serving from L1 and the database until it is'),
  );
  const prefix = config.REDIS_PREFIX;
  const tagStore = redisTagStore({ client: redis, key: `${prefix}tags` });
  await tagStore.refresh().catch(() => logger.warn('could not load tag invalidations from redis yet'));
  const tiers: Tier[] = [l1, redisTier({ client: redis, hashTag: teamHashTag, name: 'redis', prefix })];
  const cache = createCache({
    tiers,
    ...common,
    bus: redisBus({ publisher: redis, channel: `${prefix}bus` }),
    tagStore,
    lock: redisLock({ client: redis, prefix: `${prefix}lock:`, channel: `${prefix}lock-released` }),
    lockByDefault: true,
  });
  return {
    cache,
    auth: cache.namespace('auth'),
    redis,
    l2: mode,
    close: async () => {
      await cache.close();
      await closeRedisClient(redis);
    },
  };
}
