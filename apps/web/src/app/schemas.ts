/**
 * The shapes the dashboard reads from the API, checked with zod both when a response arrives and
 * when a value comes back out of browser storage: a cached value that no longer fits (an old
 * version of the app wrote it, someone edited localStorage) is dropped and fetched again.
 */
import { z } from 'zod';

const id = z.number().int().positive();
const isoDate = z.string().min(1);

/** A team. */
export const TeamSchema = z.object({
  id,
  name: z.string(),
  description: z.string().nullable().optional(),
  memberIds: z.array(id),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Team = z.infer<typeof TeamSchema>;

/** An integration; the API never sends credentials, only `hasCredentials`. */
export const IntegrationSchema = z.object({
  id,
  teamId: id,
  kind: z.enum(['github', 'jira']),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  syncIntervalMinutes: z.number().nullable(),
  hasCredentials: z.literal(true),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Integration = z.infer<typeof IntegrationSchema>;

const MetricValues = z.record(z.string(), z.number().nullable());

/** One integration's newest metrics. */
export const IntegrationMetricsSchema = z.object({
  integrationId: id,
  kind: z.enum(['github', 'jira']),
  windowDays: z.number().nullable(),
  computedAt: isoDate.nullable(),
  metrics: MetricValues.nullable(),
});
export type IntegrationMetrics = z.infer<typeof IntegrationMetricsSchema>;

/** A team's metrics: a roll-up and each integration's. */
export const TeamMetricsSchema = z.object({
  teamId: id,
  computedAt: isoDate.nullable(),
  rollup: MetricValues,
  integrations: z.array(IntegrationMetricsSchema),
});
export type TeamMetrics = z.infer<typeof TeamMetricsSchema>;

/** One day's metrics (null before any data). */
export const MetricsPointSchema = z.object({ day: z.string(), metrics: MetricValues.nullable() });

/** Daily (or weekly) metric points of a team or an integration. */
export const MetricsHistorySchema = z.object({
  windowDays: z.number(),
  interval: z.enum(['day', 'week']),
  from: z.string(),
  to: z.string(),
  points: z.array(MetricsPointSchema),
});
export type MetricsHistory = z.infer<typeof MetricsHistorySchema>;

/** A work item behind a number. */
export const WorkItemSchema = z.object({
  integrationId: id,
  kind: z.string(),
  externalId: z.string(),
  title: z.string(),
  state: z.string(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
  hours: z.number().nullable(),
  failure: z.enum(['failed', 'incident']).nullable(),
  url: z.string().nullable(),
});
export type WorkItem = z.infer<typeof WorkItemSchema>;

/** A page of the drill-down. */
export const WorkItemsPageSchema = z.object({ workItems: z.array(WorkItemSchema), nextCursor: z.string().nullable() });

/** The last sync of an integration. */
export const LastSyncSchema = z.object({
  integrationId: id,
  status: z.enum(['never', 'queued', 'running', 'succeeded', 'failed']),
  jobId: z.string().nullable(),
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  error: z.string().nullable(),
  stats: z.record(z.string(), z.unknown()).nullable(),
});
export type LastSync = z.infer<typeof LastSyncSchema>;

/** The logged-in user as `/api/me` and login return it. */
export const PrincipalSchema = z.object({
  userId: id,
  email: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'member']),
  teamIds: z.array(id),
});
export type Principal = z.infer<typeof PrincipalSchema>;

/** A sync job. */
export const JobSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(['waiting', 'active', 'completed', 'failed', 'delayed', 'unknown']),
  progress: z.union([z.number(), z.record(z.string(), z.unknown())]),
  data: z.object({ integrationId: id, teamId: id }),
  result: z.unknown(),
  failedReason: z.string().nullable(),
  attempts: z.number(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type Job = z.infer<typeof JobSchema>;

const Timing = z.object({
  count: z.number(),
  p50Ms: z.number(),
  p90Ms: z.number(),
  p99Ms: z.number(),
  meanMs: z.number(),
  maxMs: z.number(),
});

/** One tier in the cache stats (the server's, and the browser's own). */
export const TierStatsSchema = z.object({
  name: z.string(),
  sync: z.boolean(),
  shared: z.boolean(),
  hits: z.number(),
  misses: z.number(),
  staleHits: z.number(),
  hitRate: z.number(),
  errors: z.number(),
  timeouts: z.number(),
  skipped: z.number(),
  writes: z.number(),
  writeRefusals: z.number(),
  breaker: z.enum(['closed', 'open', 'half-open']),
  entries: z.number(),
  bytes: z.number().nullable().optional(),
  evictions: z.number(),
  corrupt: z.number(),
  timings: z.record(z.string(), Timing.partial()),
});
export type TierStats = z.infer<typeof TierStatsSchema>;

/** GET /api/admin/cache/stats */
export const ServerCacheStatsSchema = z.object({
  mode: z.object({ database: z.string(), cache: z.string() }).passthrough(),
  cache: z.object({
    tiers: z.array(TierStatsSchema),
    getOrSet: z.record(z.string(), z.number()),
    tags: z.object({ invalidations: z.number() }),
    // Counters, plus whether the bus delivers now (`healthy`).
    bus: z.record(z.string(), z.union([z.number(), z.boolean()])),
  }),
  redis: z.record(z.string(), z.unknown()).nullable(),
  process: z.object({ rss: z.number(), heapUsed: z.number(), heapTotal: z.number() }),
  sseConnections: z.number(),
});
export type ServerCacheStats = z.infer<typeof ServerCacheStatsSchema>;

/** An `event: invalidate` pushed over `/api/events`. */
export const InvalidateEventSchema = z.object({
  type: z.string(),
  teamId: z.union([z.number(), z.string()]),
  integrationId: z.union([z.number(), z.string()]).optional(),
  keys: z.array(z.string()),
});
export type InvalidateEvent = z.infer<typeof InvalidateEventSchema>;
