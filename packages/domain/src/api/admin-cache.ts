/** The admin cache routes: server cache stats per tier, clear (all, key, prefix, tag), warm. */
import { z } from 'zod';
import { AlertsResponseSchema, ClientReportSchema, FamiliesReportSchema, MonitorQuerySchema } from '../cache-ops.ts';
import { route } from './common.ts';

/** GET /api/admin/alerts: `since` (epoch ms) keeps only alerts changed after it. */
export const AlertsQuery = z.object({ since: z.coerce.number().int().min(0).optional() });

/** One operation's latency histogram. */
const Timing = z.object({
  count: z.number(),
  sumMs: z.number(),
  /** `[upperBoundMs, count]` of the non-empty buckets; the overflow bucket's bound is `null` (JSON has no Infinity). */
  buckets: z.array(z.tuple([z.number().nullable(), z.number()])),
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
  /** Refresh writes refused because an invalidation came after the value's source read. */
  fencedWrites: z.number(),
  mends: z.number(),
  breaker: z.enum(['closed', 'open', 'half-open']),
  /** Invalidations the tier missed while it failed, waiting to be replayed, and those replayed. */
  pendingRepairs: z.number(),
  repairs: z.number(),
  entries: z.number(),
  bytes: z.number().nullable().optional(),
  evictions: z.number(),
  corrupt: z.number(),
  /** Values compressed on write, with the bytes before and after (absent when the tier does not compress). */
  compressed: z
    .object({ count: z.number(), rawBytes: z.number(), storedBytes: z.number(), ratio: z.number() })
    .optional(),
  timings: z.record(z.string(), Timing.partial()),
});
/** One tier's stats. */
export type TierStats = z.infer<typeof TierStatsSchema>;

/** GET /api/admin/cache/stats */
export const ServerCacheStatsSchema = z.object({
  mode: z.looseObject({ database: z.string(), cache: z.string() }),
  cache: z.looseObject({
    tiers: z.array(TierStatsSchema),
    getOrSet: z.record(z.string(), z.number()),
    tags: z.looseObject({ invalidations: z.number() }),
    bus: z.record(z.string(), z.union([z.number(), z.boolean()])),
  }),
  redis: z.record(z.string(), z.unknown()).nullable(),
  process: z.object({ rss: z.number(), heapUsed: z.number(), heapTotal: z.number() }),
  sseConnections: z.number(),
});
/** The server's cache stats. */
export type ServerCacheStats = z.infer<typeof ServerCacheStatsSchema>;

/** DELETE /api/admin/cache query: at most one of key, prefix, tag (none: everything). */
export const ClearCacheQuery = z
  .strictObject({
    key: z.string().min(1).max(512).optional(),
    prefix: z.string().min(1).max(512).optional(),
    tag: z.string().min(1).max(512).optional(),
  })
  .refine((q) => [q.key, q.prefix, q.tag].filter((v) => v !== undefined).length <= 1, {
    message: 'give at most one of key, prefix, tag',
  });

/** What DELETE /api/admin/cache cleared. */
export const ClearedBody = z.object({
  cleared: z.union([
    z.literal('all'),
    z.object({ key: z.string() }),
    z.object({ prefix: z.string() }),
    z.object({ tag: z.string() }),
  ]),
});

/** `?teamId=` of POST /api/admin/cache/warm: one team at a time lets a client show progress. */
export const WarmQuery = z.object({ teamId: z.coerce.number().int().positive().max(2_147_483_647).optional() });

/** What POST /api/admin/cache/warm filled. */
export const WarmedBody = z.object({ warmed: z.object({ teams: z.number(), keys: z.number(), ms: z.number() }) });

/** The routes of this file. */
export const adminCacheRoutes = [
  route({
    id: 'cache.stats',
    method: 'GET',
    path: '/api/admin/cache/stats',
    summary: 'Server cache stats per tier, Redis memory, process memory',
    tag: 'Admin',
    access: 'admin',
    responses: { 200: ServerCacheStatsSchema },
  }),
  route({
    id: 'cache.clear',
    method: 'DELETE',
    path: '/api/admin/cache',
    summary: 'Clear the server cache (all, or one key, prefix or tag) on every instance',
    tag: 'Admin',
    access: 'admin',
    query: ClearCacheQuery,
    responses: { 200: ClearedBody },
  }),
  route({
    id: 'cache.monitor',
    method: 'GET',
    path: '/api/admin/cache/monitor',
    summary: 'Server-sent events: every cache operation on every instance (key, family, tier, outcome, duration)',
    tag: 'Admin',
    access: 'admin',
    query: MonitorQuerySchema,
    produces: 'text/event-stream',
    responses: { 200: null },
  }),
  route({
    id: 'cache.families',
    method: 'GET',
    path: '/api/admin/cache/families',
    summary: 'Per key family: hit rates, timings and holdings over the last minute, hour and day',
    tag: 'Admin',
    access: 'admin',
    responses: { 200: FamiliesReportSchema },
  }),
  route({
    id: 'cache.alerts',
    method: 'GET',
    path: '/api/admin/alerts',
    summary: 'Firing and recently resolved cache alerts',
    tag: 'Admin',
    access: 'admin',
    query: AlertsQuery,
    responses: { 200: AlertsResponseSchema },
  }),
  route({
    id: 'cache.clientReport',
    method: 'POST',
    path: '/api/cache/client-report',
    summary: "A dashboard reports its browser cache's failed writes (feeds an alert)",
    tag: 'Admin',
    access: 'user',
    body: ClientReportSchema,
    responses: { 204: null },
  }),
  route({
    id: 'cache.warm',
    method: 'POST',
    path: '/api/admin/cache/warm',
    summary: 'Fill the cache with every team, integration and metrics key (or one team’s)',
    tag: 'Admin',
    access: 'admin',
    query: WarmQuery,
    responses: { 200: WarmedBody },
  }),
];
