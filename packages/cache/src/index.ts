/**
 * @agiletrack/cache — a multi-tier cache. The root holds what an application calls: the cache,
 * its options and results, events, durations and the error base class. Everything else is on a
 * subpath: tiers (`/tiers/memory`, `/tiers/web-storage`), backends (`/redis`, `/postgres`), every
 * error class (`/errors`), the contracts a tier, bus, tag store or lock implements (`/contracts`),
 * encryption (`/codec/encryption`), adapters (`/adapters/…`) and test helpers (`/testing`).
 */
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
  type OperationContext,
  type ReadOptions,
  type SetManyItem,
  type SyncReadOptions,
  seconds,
  type TierStatsReport,
  TRACING_CHANNEL,
  type WriteOptions,
} from './cache.ts';
export { CACHE_OPERATION_OUTCOMES } from './core/events.ts';
export { CacheError, type CacheErrorCode, CacheErrorCodes } from './errors.ts';
export type { Ms } from './types.ts';
