/**
 * Shapes of the cache operations API (monitor stream, family analytics, alerts, browser
 * reports): the server validates with them and the dashboard and CLI parse with them.
 */
import { CACHE_OPERATION_OUTCOMES } from '@agiletrack/cache';
import { z } from 'zod';
import { CACHE_FAMILIES } from './families.ts';

/**
 * How one cache operation ended (the cache library's outcomes): `hit` fresh from a tier, `stale`
 * served past freshness, `miss` nothing fresh (a `getOrSet` miss is loaded: tier `origin`),
 * `bypass` forced refresh, `write`, `delete`, `error`.
 */
export const CACHE_OUTCOMES = CACHE_OPERATION_OUTCOMES;

/** One of {@link CACHE_OUTCOMES}. */
export type CacheOutcome = (typeof CACHE_OUTCOMES)[number];

/** One operation as the live monitor streams it. */
export const CacheOpSchema = z.object({
  /** Epoch ms when it happened. */
  at: z.number(),
  /** The instance that served it. */
  instance: z.string(),
  key: z.string(),
  family: z.enum(CACHE_FAMILIES),
  /** The tier that answered (`memory`, `redis`, `postgres`), `origin` for loads, `-` for none. */
  tier: z.string(),
  /** The public call (`get`, `getOrSet`, `set`, `delete`, …). */
  op: z.string(),
  outcome: z.enum(CACHE_OUTCOMES),
  /** Duration of the call, ms. */
  ms: z.number(),
});

/** A streamed operation. */
export type CacheOp = z.output<typeof CacheOpSchema>;

/** Filters of `GET /api/admin/cache/monitor` (and `cache:monitor`). */
export const MonitorQuerySchema = z.object({
  family: z.enum(CACHE_FAMILIES).optional(),
  outcome: z.enum(CACHE_OUTCOMES).optional(),
  instance: z.string().min(1).max(100).optional(),
});

/** Parsed monitor filters. */
export type MonitorQuery = z.output<typeof MonitorQuerySchema>;

/** One family's figures over one window. */
export const FamilyFiguresSchema = z.object({
  hits: z.number(),
  misses: z.number(),
  staleServes: z.number(),
  loads: z.number(),
  /** Total load time, ms. */
  loadMs: z.number(),
  loadErrors: z.number(),
  /** Tier errors on the family's keys. */
  errors: z.number(),
  /** Estimated bytes of values written. */
  bytesWritten: z.number(),
  /** hits / (hits + misses); 0 without reads. */
  hitRate: z.number(),
  /** Mean load time, ms (0 without loads). */
  meanLoadMs: z.number(),
});

/** Figures of one family over one window. */
export type FamilyFigures = z.output<typeof FamilyFiguresSchema>;

/** The windows analytics are kept for. */
export const ANALYTICS_WINDOWS = ['minute', 'hour', 'day'] as const;

/** Entries and bytes one tier holds for one family. */
export const TierHoldingSchema = z.object({
  entries: z.number(),
  bytes: z.number().nullable(),
  /** The bytes are an estimate (sampled, or shared out), not the entries' own sizes. */
  estimated: z.boolean(),
});

/** `GET /api/admin/cache/families`. */
export const FamiliesReportSchema = z.object({
  /** Instances whose figures are merged in. */
  instances: z.array(z.string()),
  families: z.array(
    z.object({
      family: z.enum(CACHE_FAMILIES),
      windows: z.object({ minute: FamilyFiguresSchema, hour: FamilyFiguresSchema, day: FamilyFiguresSchema }),
      /** Per tier name: what it holds for this family now (shared tiers: the whole deployment). */
      tiers: z.record(z.string(), TierHoldingSchema),
    }),
  ),
});

/** The families report. */
export type FamiliesReport = z.output<typeof FamiliesReportSchema>;

/** A server-side alert. */
export const AlertSchema = z.object({
  /** Stable per rule and subject (`breaker:redis`, `hit-rate:team_metrics`). */
  id: z.string(),
  rule: z.string(),
  severity: z.enum(['warning', 'critical']),
  state: z.enum(['firing', 'resolved']),
  message: z.string(),
  instance: z.string(),
  /** Epoch ms the alert started firing. */
  since: z.number(),
  /** Epoch ms it resolved (resolved alerts only). */
  resolvedAt: z.number().optional(),
});

/** One alert. */
export type Alert = z.output<typeof AlertSchema>;

/** `GET /api/admin/alerts`. */
export const AlertsResponseSchema = z.object({ firing: z.array(AlertSchema), resolved: z.array(AlertSchema) });

/** `POST /api/cache/client-report`: what a dashboard noticed about its browser storage. */
export const ClientReportSchema = z.object({
  /** localStorage writes refused for quota since the last report. */
  quotaFailures: z.number().int().min(0).max(1_000_000),
});
