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
  /** Every metric over the union of the integrations' items (see docs/METRICS.md). */
  rollup: MetricValues,
  /** The same over the window of equal length before (null: history does not reach back that far). */
  previous: MetricValues.nullable().optional(),
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

/** `?from=&to=&interval=&windowDays=` of the history routes (days, inclusive; the window of each point). */
export const HistoryQuery = z
  .strictObject({
    from: day.optional(),
    to: day.optional(),
    interval: z.enum(['day', 'week']).optional(),
    windowDays: MetricsQuery.shape.windowDays,
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to' })
  .refine(
    (q) =>
      q.from === undefined ||
      q.to === undefined ||
      Date.parse(q.to) - Date.parse(q.from) <= MAX_HISTORY_DAYS * 86_400_000,
    { message: `a history spans at most ${MAX_HISTORY_DAYS} days` },
  );

/**
 * One day's metrics over the window, as of the end of that day. `incomplete`: the window ending that
 * day reaches before the first synced item, so no value is given (`metrics: null`).
 */
export const MetricsPointSchema = z.object({
  day: z.iso.date(),
  metrics: MetricValues.nullable(),
  incomplete: z.boolean(),
});

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

/**
 * `?metric=&windowDays=&from=&to=&cursor=&limit=` of the drill-down. Without `from`/`to`: the items
 * behind the card of that window (default: the default window), from the same snapshots. With them
 * (a day, or an ISO time): the items of that span, computed from the stored items.
 */
const workItemsShape = {
  metric: z.string().refine(isMetricName, { message: 'must be a metric name such as leadTimeHours' }),
  windowDays: MetricsQuery.shape.windowDays,
  from: instant.optional(),
  to: instant.optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
};
const oneSpan = (q: { windowDays?: number | undefined; from?: string | undefined; to?: string | undefined }) =>
  q.windowDays === undefined || (q.from === undefined && q.to === undefined);
const ONE_SPAN = { message: 'give either windowDays or from/to, not both' };
/** The drill-down's query (see above). */
export const WorkItemsQuery = z.strictObject(workItemsShape).refine(oneSpan, ONE_SPAN);

/** `?metric=&windowDays=&from=&to=` of the drill-down as CSV: the whole list, one row per item. */
export const WorkItemsCsvQuery = z
  .strictObject({
    metric: workItemsShape.metric,
    windowDays: workItemsShape.windowDays,
    from: workItemsShape.from,
    to: workItemsShape.to,
  })
  .refine(oneSpan, ONE_SPAN);

/** A work item behind a number, linked to its source. */
export const WorkItemSchema = z.object({
  integrationId: RowId,
  kind: z.enum(['pull_request', 'issue', 'deployment', 'sprint', 'incident']),
  externalId: z.string(),
  title: z.string(),
  state: z.string(),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  /** The instant that placed the item in the window (merged, deployed, first reviewed, done…). */
  at: Timestamp,
  /** What this item contributes to the number (hours for durations, 1 for a counted item, 0/1 for a ratio, points). */
  value: z.number(),
  /** The duration this item adds to the metric (hours), when it adds one. */
  hours: z.number().nullable(),
  /** Why a deployment counts as failed: its own status, or an incident after it. */
  failure: z.enum(['failed', 'incident']).nullable(),
  /** The incident that followed a deployment counted as failed. */
  incident: z.string().nullable(),
  /** The production deployment that shipped a change. */
  shippedBy: z.string().nullable(),
  /** The sprint an issue counts for (velocity). */
  sprint: z.string().nullable(),
  url: z.string().nullable(),
});
/** A work item. */
export type WorkItem = z.infer<typeof WorkItemSchema>;

/**
 * A page of the work items behind a number, with the span they were taken from and the number
 * itself: `value` is `statistic` over the `value` of every item of the list (all pages).
 */
export const WorkItemsBody = z.object({
  workItems: z.array(WorkItemSchema),
  metric: z.string(),
  statistic: z.enum(['median', 'p85', 'ratePerWeek', 'ratio', 'count', 'sum']),
  value: z.number().nullable(),
  /** How many items the whole list holds. */
  count: z.number().int(),
  /** The sum of their values (for a ratio: how many were counted, e.g. failed deployments). */
  sum: z.number(),
  /** The window's length in days (a rate divides by it ÷ 7). */
  windowDays: z.number(),
  from: Timestamp,
  to: Timestamp,
  nextCursor: NextCursor,
});
/** A page of a drill-down. */
export type WorkItemsPage = z.infer<typeof WorkItemsBody>;

/** `?windowDays=&cursor=&limit=` of the deployments view. */
export const DeploymentsQuery = z.strictObject({ ...MetricsQuery.shape, ...PageQuery.shape });

/** A change a deployment shipped, with its lead time. */
export const ShippedChangeSchema = z.object({
  externalId: z.string(),
  title: z.string(),
  mergedAt: Timestamp.nullable(),
  /** First commit (or opening) → this deployment, as lead time for changes counts it. */
  leadTimeHours: z.number(),
  url: z.string().nullable(),
});

/** A production deployment of the window: what it shipped, and whether it failed. */
export const DeploymentSchema = z.object({
  integrationId: RowId,
  externalId: z.string(),
  /** The commit deployed, short (7 characters). */
  commit: z.string().nullable(),
  environment: z.string().nullable(),
  state: z.string(),
  finishedAt: Timestamp,
  failed: z.boolean(),
  failure: z.enum(['failed', 'incident']).nullable(),
  /** The incident that followed it (when that is why it failed). */
  incident: z.object({ externalId: z.string(), title: z.string(), url: z.string().nullable() }).nullable(),
  url: z.string().nullable(),
  changes: z.array(ShippedChangeSchema),
});
/** A deployment as the deployments view shows it. */
export type Deployment = z.infer<typeof DeploymentSchema>;

/** A page of a team's production deployments over a window, with the change failure rate they give. */
export const DeploymentsBody = z.object({
  deployments: z.array(DeploymentSchema),
  windowDays: z.number(),
  from: Timestamp,
  to: Timestamp,
  /** Every production deployment of the window (all pages). */
  total: z.number().int(),
  failed: z.number().int(),
  /** failed ÷ total (the change failure rate card), null without deployments. */
  changeFailureRate: z.number().nullable(),
  nextCursor: NextCursor,
});
/** A page of the deployments view. */
export type DeploymentsPage = z.infer<typeof DeploymentsBody>;

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
    id: 'metrics.deployments',
    method: 'GET',
    path: '/api/teams/:teamId/deployments',
    params: z.object({ teamId: RowIdParam }),
    summary: "A team's production deployments over a window: the changes each shipped, failed or not",
    tag: 'Metrics',
    access: 'user',
    query: DeploymentsQuery,
    responses: { 200: DeploymentsBody },
  }),
  route({
    id: 'metrics.workItemsCsv',
    method: 'GET',
    path: '/api/teams/:teamId/work-items/csv',
    params: z.object({ teamId: RowIdParam }),
    summary: 'The work items behind a metric (drill-down), the whole list as CSV',
    tag: 'Metrics',
    access: 'user',
    query: WorkItemsCsvQuery,
    produces: 'text/csv',
    responses: { 200: null },
  }),
  route({
    id: 'metrics.teamsOverviewCsv',
    method: 'GET',
    path: '/api/teams/metrics/csv',
    summary: "The teams overview as CSV: every visible team's metrics over a window",
    tag: 'Metrics',
    access: 'user',
    query: MetricsQuery,
    produces: 'text/csv',
    responses: { 200: null },
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
