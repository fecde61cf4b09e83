/** Cross-instance coordination on Redis: the invalidation bus, the shared tag store and the lock. */
export { parseBusMessage } from './message.ts';
export { RedisBus, type RedisBusOptions, type RedisBusStats, redisBus } from './redis-bus.ts';
export { RedisLock, type RedisLockOptions, redisLock } from './redis-lock.ts';
export { RedisTagStore, type RedisTagStoreOptions, redisTagStore } from './redis-tag-store.ts';
export type { BusTopics, TopicHandler } from './topics.ts';
