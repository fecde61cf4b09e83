/**
 * Redis for the cache: connections (a client factory with cache-friendly defaults, readiness,
 * close), cluster helpers, and {@link redisBackplane}, which wires the tier, bus, tag store and
 * lock to one client and prefix. Needs the `ioredis` peer.
 */
export { type RedisBackplane, type RedisBackplaneOptions, redisBackplane } from './backplane.ts';
export {
  closeRedisClient,
  createRedisClient,
  isCluster,
  parseClusterNodes,
  type RedisClient,
  type RedisClientOptions,
  type RedisNodeAddress,
  whenReady,
} from './client.ts';
export { DEFAULT_REDIS_PREFIX, type RedisNames, redisNames } from './names.ts';
export { redisKeySlot } from './slots.ts';
