/**
 * Redis for the cache (needs the `ioredis` peer): the tier, the pub/sub invalidation bus, the
 * shared tag store, the lock, connections (a client factory with cache-friendly defaults,
 * readiness, close, cluster nodes, slots), and {@link redisBackplane}, which wires the tier, bus,
 * tag store and lock to one client and prefix.
 */
export { type RedisBackplane, type RedisBackplaneOptions, redisBackplane } from './backplane.ts';
export { RedisBus, type RedisBusOptions, type RedisBusStats, redisBus } from './bus.ts';
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
export { RedisLock, type RedisLockOptions, redisLock } from './lock.ts';
export { DEFAULT_REDIS_PREFIX, type RedisNames, redisNames } from './names.ts';
export { redisKeySlot } from './slots.ts';
export { RedisTagStore, type RedisTagStoreOptions, redisTagStore } from './tag-store.ts';
export { RedisTier, type RedisTierInfo, type RedisTierOptions, redisTier } from './tier.ts';
