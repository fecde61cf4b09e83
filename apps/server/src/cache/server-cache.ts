/**
 * The server side of the caching system: L1 memory in front of L2 —
 * Redis (with the invalidation bus, shared tag store and stampede lock) when `REDIS_URL` or
 * `REDIS_CLUSTER_NODES` is set, otherwise the Postgres-table tier in the application database
 * (PGlite in embedded mode).
 */
import { randomUUID } from 'node:crypto';
import { type Cache, createCache } from '@agiletrack/cache';
import type { BusTopics, Encryptor, SyncTier } from '@agiletrack/cache/contracts';
import { pgListener, postgresBackplane, postgresTier } from '@agiletrack/cache/postgres';
import {
  closeRedisClient,
  createRedisClient,
  parseClusterNodes,
  type RedisClient,
  redisBackplane,
  whenReady,
} from '@agiletrack/cache/redis';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import { CACHE_NAMESPACES, cacheKeyFamily } from '@agiletrack/domain';
import pg from 'pg';
import type { Logger } from 'pino';
import { type Config, describeMode } from '../config.ts';
import type { Database } from '../db/database.ts';
import { patientBus, patientLock, patientTagStore, RedisHealth } from './bus-down.ts';

/** What the rest of the server uses. */
export interface ServerCache {
  /** The application cache (the logical keys live at its root). */
  readonly cache: Cache;
  /** Session and token lookups, cleared alone. */
  readonly auth: Cache;
  /** The Redis connection, when Redis is used (stats, events, jobs share it). */
  readonly redis: RedisClient | undefined;
  /** `redis`, `redis-cluster` or `database`. */
  readonly l2: 'redis' | 'redis-cluster' | 'database';
  /** Application topics on the invalidation bus (domain events, monitoring); none in one process. */
  readonly topics: BusTopics | undefined;
  /** This instance's id (the bus's, when there is one). */
  readonly instance: string;
  /** The in-process tier (analytics read its keys). */
  readonly l1: SyncTier;
  close(): Promise<void>;
}

// A team's keys share one Redis Cluster slot: `team_12`, `team_12_metrics` → `{team_12}`.
const TEAM_KEY = /^team_([0-9]+|[0-9a-f-]{36})(?:_|$)/;
const teamHashTag = (key: string): string | undefined => {
  const match = TEAM_KEY.exec(key);
  return match ? `{team_${match[1]}}` : undefined;
};

/**
 * How long a load waits for another process's stampede lock before it loads without it. The lock
 * is held up to 10 s; a holder that died, or whose SET NX answer was lost, would otherwise make
 * every reader of that key wait that long, on every instance (a client gives up first).
 */
const LOCK_WAIT_MS = 1_000;

/** The LISTEN/NOTIFY channel of one deployment (its schema), so deployments sharing a database stay apart. */
const busChannel = (schema: string) => `agiletrack_bus_${schema}`.slice(0, 63);

/** Where the Postgres tier keeps entries, and the table of tag stamps shared without Redis. */
const DATABASE_CACHE = { table: 'agiletrack_cache', prefix: 'agiletrack:v1:', tagTable: 'agiletrack_cache_tags' };

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
    family: cacheKeyFamily,
    ttl: config.CACHE_L2_TTL_MS,
    grace: 6 * 3_600_000,
    tierDeadline: config.CACHE_TIER_DEADLINE_MS,
    codec: { encryptor },
    diagnosticsChannel: 'agiletrack:cache',
  };

  if (mode === 'database') {
    const { table, prefix, tagTable } = DATABASE_CACHE;
    const url = config.DATABASE_URL;
    let cache: Cache;
    let topics: BusTopics | undefined;
    if (database.kind === 'postgres' && url) {
      // Several instances on one PostgreSQL: LISTEN/NOTIFY carries invalidations and the tag table
      // shares tag stamps.
      const shared = postgresBackplane({
        client: database.sql,
        listen: pgListener(() => new pg.Client({ connectionString: url })),
        prefix,
        tier: { table, name: 'postgres' },
        bus: { channel: busChannel(database.schema) },
        tagStore: { table: tagTable },
      });
      await shared.init();
      cache = createCache({ tiers: [l1, shared.tier], ...common, bus: shared.bus, tagStore: shared.tagStore });
      topics = shared.bus;
    } else {
      // PGlite is one process: nothing to tell anyone.
      const l2 = postgresTier({ client: database.sql, name: 'postgres', table, prefix });
      await l2.ensureSchema();
      cache = createCache({ tiers: [l1, l2], ...common });
    }
    return {
      cache,
      auth: cache.namespace(CACHE_NAMESPACES.principals),
      redis: undefined,
      l2: mode,
      topics,
      instance: topics?.instanceId ?? randomUUID(),
      l1,
      close: () => cache.close(),
    };
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
  const shared = redisBackplane({
    client: redis,
    prefix: config.REDIS_PREFIX,
    tier: { hashTag: teamHashTag, name: 'redis' },
    // A lock that cannot be had quickly is not worth waiting for: the load runs without it.
    lock: { timeout: 100 },
  });
  await shared.init().catch(() => logger.warn('could not load tag invalidations from redis yet'));
  // While Redis is unreachable (the bus says so), writes and misses do not wait on it.
  let cacheRef: Cache | undefined;
  const health = new RedisHealth(() => cacheRef?.busHealthy ?? true);
  const tags = patientTagStore(shared.tagStore, health, logger);
  const cache = createCache({
    tiers: [l1, shared.tier],
    ...common,
    bus: patientBus(shared.bus, health),
    tagStore: tags.store,
    lock: patientLock(shared.lock, health),
    lockByDefault: true,
    lockWait: LOCK_WAIT_MS,
  });
  cacheRef = cache;
  return {
    cache,
    auth: cache.namespace(CACHE_NAMESPACES.principals),
    redis,
    l2: mode,
    topics: shared.bus,
    instance: shared.bus.instanceId,
    l1,
    close: async () => {
      tags.close();
      await cache.close();
      await closeRedisClient(redis);
    },
  };
}
