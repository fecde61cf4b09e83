/**
 * Delivery metrics of a team and of an integration, from their newest snapshots; their daily or
 * weekly history; the work items behind a team's number.
 */
import { z } from 'zod';
import { isMetricName, METRIC_WINDOWS } from '../metrics.ts';
import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  NextCursor,
  PageQuery,
  RowId,
  RowIdParam,
  route,
  Timestamp,
} from './common.ts';
import { IntegrationKind } from './integrations.ts';

const MetricValues = z.record(z.string(), z.number().nullable());

/** `?windowDays=`: one of the windows every sync computes (the default window is cached). */
export const MetricsQuery = z.strictObject({
  windowDays: z.coerce
    .number()
    .int('must be a whole number of days')
    .refine((days) => (METRIC_WINDOWS as readonly number[]).includes(days), {
      message: `must be one of ${METRIC_WINDOWS.join(', ')}`,
    })
    .optional()
    .meta({ description: 'Days: one of the windows every sync computes', enum: [...METRIC_WINDOWS] }),
});

/** One integration's newest metrics. */
export const IntegrationMetricsSchema = z.object({
  integrationId: RowId,
  kind: IntegrationKind,
  windowDays: z.number().nullable(),
  computedAt: Timestamp.nullable(),
  metrics: MetricValues.nullable(),
});
/** One integration's metrics. */
export type IntegrationMetrics = z.infer<typeof IntegrationMetricsSchema>;

/** A team's metrics: a roll-up and each integration's. */
export const TeamMetricsSchema = z.object({
  teamId: RowId,
  windowDays: z.number(),
  computedAt: Timestamp.nullable(),
  rollup: MetricValues,
  integrations: z.array(IntegrationMetricsSchema),
});
/** A team's metrics. */
export type TeamMetrics = z.infer<typeof TeamMetricsSchema>;

/** The teams overview: a window and a page of the teams the caller may see. */
export const TeamsMetricsQuery = z.strictObject({ ...MetricsQuery.shape, ...PageQuery.shape });

/** A page of the teams overview: each team's metrics, as `GET /api/teams/:teamId/metrics` answers them. */
export const TeamsMetricsBody = z.object({ teams: z.array(TeamMetricsSchema), nextCursor: NextCursor });

const day = z.iso.date({ error: 'must be a day like 2024-01-31' });

/** The longest history a request may ask for, in days. */
export const MAX_HISTORY_DAYS = 800;

/** `?from=&to=&interval=` of the history routes (days, inclusive). */
export const HistoryQuery = z
  .strictObject({ from: day.optional(), to: day.optional(), interval: z.enum(['day', 'week']).optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to' })
  .refine(
    (q) =>
      q.from === undefined ||
      q.to === undefined ||
      Date.parse(q.to) - Date.parse(q.from) <= MAX_HISTORY_DAYS * 86_400_000,
    { message: `a history spans at most ${MAX_HISTORY_DAYS} days` },
  );

/** One day's metrics over the default window, as of the end of that day (null before any data). */
export const MetricsPointSchema = z.object({ day: z.iso.date(), metrics: MetricValues.nullable() });

/** Daily (or weekly) metric points of a team or an integration. */
export const MetricsHistorySchema = z.object({
  scope: z.union([z.object({ teamId: RowId }), z.object({ integrationId: RowId })]),
  windowDays: z.number(),
  interval: z.enum(['day', 'week']),
  from: z.iso.date(),
  to: z.iso.date(),
  points: z.array(MetricsPointSchema),
});
/** A metrics history. */
export type MetricsHistory = z.infer<typeof MetricsHistorySchema>;

/** A metrics history as the routes answer it. */
export const MetricsHistoryBody = z.object({ history: MetricsHistorySchema });

const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be a day (2024-01-31) or an ISO time',
});

/** `?metric=&from=&to=&cursor=&limit=` of the drill-down (`from`/`to`: a day, or an ISO time). */
export const WorkItemsQuery = z.strictObject({
  metric: z.string().refine(isMetricName, { message: 'must be a metric name such as leadTimeHours' }),
  from: instant.optional(),
  to: instant.optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});

/** A work item behind a number, linked to its source. */
export const WorkItemSchema = z.object({
  integrationId: RowId,
  kind: z.enum(['pull_request', 'issue', 'deployment', 'sprint', 'incident']),
  externalId: z.string(),
  title: z.string(),
  state: z.string(),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  /** The duration this item adds to the metric (hours), when it adds one. */
  hours: z.number().nullable(),
  /** Why a deployment counts as failed: its own status, or an incident after it. */
  failure: z.enum(['failed', 'incident']).nullable(),
  url: z.string().nullable(),
});
/** A work item. */
export type WorkItem = z.infer<typeof WorkItemSchema>;

/** A page of the work items behind a number, with the span they were taken from. */
export const WorkItemsBody = z.object({
  workItems: z.array(WorkItemSchema),
  metric: z.string(),
  from: Timestamp,
  to: Timestamp,
  nextCursor: NextCursor,
});

/** The routes of this file. */
export const metricsRoutes = [
  route({
    id: 'metrics.teamHistory',
    method: 'GET',
    path: '/api/teams/:teamId/metrics/history',
    params: z.object({ teamId: RowIdParam }),
    summary: "A team's metrics day by day (or week by week)",
    tag: 'Metrics',
    access: 'user',
    query: HistoryQuery,
    responses: { 200: MetricsHistoryBody, 304: null },
  }),
  route({
    id: 'metrics.integrationHistory',
    method: 'GET',
    path: '/api/integrations/:integrationId/metrics/history',
    params: z.object({ integrationId: RowIdParam }),
    summary: "An integration's metrics day by day (or week by week)",
    tag: 'Metrics',
    access: 'user',
    query: HistoryQuery,
    responses: { 200: MetricsHistoryBody, 304: null },
  }),
  route({
    id: 'metrics.workItems',
    method: 'GET',
    path: '/api/teams/:teamId/work-items',
    params: z.object({ teamId: RowIdParam }),
    summary: 'The work items behind a metric (drill-down), paginated',
    tag: 'Metrics',
    access: 'user',
    query: WorkItemsQuery,
    responses: { 200: WorkItemsBody },
  }),
  route({
    id: 'metrics.teamsOverview',
    method: 'GET',
    path: '/api/teams/metrics',
    summary: "The teams overview: each visible team's metrics over a window, paginated",
    tag: 'Metrics',
    access: 'user',
    query: TeamsMetricsQuery,
    responses: { 200: TeamsMetricsBody },
  }),
  route({
    id: 'metrics.team',
    method: 'GET',
    path: '/api/teams/:teamId/metrics',
    params: z.object({ teamId: RowIdParam }),
    summary: "A team's metrics",
    tag: 'Metrics',
    access: 'user',
    query: MetricsQuery,
    responses: { 200: z.object({ metrics: TeamMetricsSchema }), 304: null },
  }),
  route({
    id: 'metrics.integration',
    method: 'GET',
    path: '/api/integrations/:integrationId/metrics',
    params: z.object({ integrationId: RowIdParam }),
    summary: "An integration's metrics",
    tag: 'Metrics',
    access: 'user',
    query: MetricsQuery,
    responses: { 200: z.object({ metrics: IntegrationMetricsSchema }), 304: null },
  }),
];
