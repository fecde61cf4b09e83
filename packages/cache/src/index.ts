/**
 * @agiletrack/cache — a multi-tier cache. The public surface is small on purpose: tiers, the
 * invalidation bus and adapters are subpath exports (`@agiletrack/cache/tiers/memory`, …).
 */

export type { BusTopics, TopicHandler } from './bus/topics.ts';
export {
  Cache,
  type CacheEvent,
  type CacheEventOf,
  type CacheEventType,
  type CacheOperationEvent,
  type CacheOperationName,
  type CacheOperationOutcome,
  type CacheOptions,
  type CacheStats,
  type CacheStatus,
  createCache,
  DIAGNOSTICS_CHANNEL,
  days,
  type Factory,
  type FactoryContext,
  type FamilyStatsReport,
  type GetOrSetManyOptions,
  type GetOrSetOptions,
  hours,
  type LoadMany,
  type LoadManyContext,
  minutes,
  type ReadOptions,
  type SetManyItem,
  seconds,
  type TierStatsReport,
  type WriteOptions,
} from './cache.ts';
export { systemClock } from './clock.ts';
export { createEntryCodec, type Encryptor, type EntryCodecOptions } from './codec/entry-codec.ts';
export { CACHE_OPERATION_OUTCOMES } from './core/events.ts';
export * from './errors.ts';
export type * from './types.ts';
