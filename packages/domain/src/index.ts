/**
 * @agiletrack/domain: the code server and browser share — ids, the cache key scheme, the TTL
 * policy table and the events that invalidate it.
 */

export * from './api/index.ts';
export {
  type Alert,
  AlertSchema,
  AlertsResponseSchema,
  ANALYTICS_WINDOWS,
  CACHE_OUTCOMES,
  type CacheOp,
  CacheOpSchema,
  type CacheOutcome,
  ClientReportSchema,
  type FamiliesReport,
  FamiliesReportSchema,
  type FamilyFigures,
  FamilyFiguresSchema,
  type MonitorQuery,
  MonitorQuerySchema,
  TierHoldingSchema,
} from './cache-ops.ts';
export {
  DORA_BAND_ORDER,
  DORA_SOURCE,
  DORA_THRESHOLDS,
  type DoraBand,
  type DoraKey,
  type DoraThresholds,
  doraBand,
  isDoraKey,
} from './dora-bands.ts';
export { DomainError, type DomainErrorCode, DomainErrorCodes } from './errors.ts';
export {
  type DomainEvent,
  type DomainEventInput,
  DomainEventSchema,
  type DomainEventType,
  DomainEventTypes,
  type IntegrationEventType,
} from './events.ts';
export { CACHE_FAMILIES, type CacheFamily, cacheKeyFamily } from './families.ts';
export { type Id, type IdInput, IdSchema, parseId } from './ids.ts';
export {
  buildCacheKey,
  CACHE_KEY_KINDS,
  CACHE_NAMESPACES,
  type CacheKey,
  type CacheKeyKind,
  type CacheKeyParts,
  type CacheTag,
  cacheKeys,
  KEY_SHAPES,
  type KeyFamily,
  type ParsedCacheKey,
  parseCacheKey,
  tags,
  teamHashTag,
} from './keys.ts';
export {
  type MetricStatistic,
  quantile,
  roundTo,
  STATISTIC_LABELS,
  statisticOf,
  statisticOfSorted,
} from './metric-statistics.ts';
export {
  DEFAULT_METRIC_WINDOW,
  formatDuration,
  formatMetric,
  isMetricName,
  METRIC_NAMES,
  METRIC_WINDOWS,
  METRICS,
  type MetricDefinition,
  type MetricDrill,
  type MetricName,
  type MetricRollup,
  type MetricSource,
  type MetricUnit,
} from './metrics.ts';
export {
  type BrowserTier,
  type CachePolicy,
  DEFAULT_CACHE_POLICY,
  keysAffectedBy,
  type PolicyOverrides,
  type PolicyRow,
  policyFor,
  resolvePolicy,
  type TtlOverrides,
} from './policy.ts';
