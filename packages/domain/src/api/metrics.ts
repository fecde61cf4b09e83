/** Delivery metrics of a team and of an integration, from their newest snapshots. */
import { z } from 'zod';
import { RowId, route, Timestamp } from './common.ts';
import { IntegrationKind } from './integrations.ts';

const MetricValues = z.record(z.string(), z.number().nullable());

/** `?windowDays=`: a custom window in days (the default window is cached). */
export const MetricsQuery = z.strictObject({
  windowDays: z.coerce.number().int('must be a whole number of days').min(1).max(365).optional(),
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
  computedAt: Timestamp.nullable(),
  rollup: MetricValues,
  integrations: z.array(IntegrationMetricsSchema),
});
/** A team's metrics. */
export type TeamMetrics = z.infer<typeof TeamMetricsSchema>;

/** `?from=&to=&interval=` of the history routes (days, inclusive). */
export const HistoryQuerySpec = z.object({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  interval: z.enum(['day', 'week']).optional(),
});

/** A metrics history: daily or weekly points. */
export const MetricsHistoryBody = z.object({
  history: z.looseObject({
    windowDays: z.number(),
    interval: z.enum(['day', 'week']),
    from: z.string(),
    to: z.string(),
    points: z.array(z.object({ day: z.string(), metrics: MetricValues.nullable() })),
  }),
});

/** `?metric=&from=&to=&cursor=&limit=` of the drill-down. */
export const WorkItemsQuerySpec = z.object({
  metric: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

/** The work items behind a number. */
export const WorkItemsBody = z.object({
  workItems: z.array(z.record(z.string(), z.unknown())),
  metric: z.string(),
  from: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  nextCursor: z.string().nullable(),
});

/** The routes of this file. */
export const metricsRoutes = [
  route({
    method: 'GET',
    path: '/api/teams/:teamId/metrics/history',
    summary: "A team's metrics day by day (or week by week)",
    tag: 'Metrics',
    access: 'user',
    query: HistoryQuerySpec,
    responses: { 200: MetricsHistoryBody, 304: null },
  }),
  route({
    method: 'GET',
    path: '/api/integrations/:integrationId/metrics/history',
    summary: "An integration's metrics day by day (or week by week)",
    tag: 'Metrics',
    access: 'user',
    query: HistoryQuerySpec,
    responses: { 200: MetricsHistoryBody, 304: null },
  }),
  route({
    method: 'GET',
    path: '/api/teams/:teamId/work-items',
    summary: 'The work items behind a metric (drill-down), paginated',
    tag: 'Metrics',
    access: 'user',
    query: WorkItemsQuerySpec,
    responses: { 200: WorkItemsBody },
  }),
  route({
    method: 'GET',
    path: '/api/teams/:teamId/metrics',
    summary: "A team's metrics",
    tag: 'Metrics',
    access: 'user',
    query: MetricsQuery,
    responses: { 200: z.object({ metrics: TeamMetricsSchema }), 304: null },
  }),
  route({
    method: 'GET',
    path: '/api/integrations/:integrationId/metrics',
    summary: "An integration's metrics",
    tag: 'Metrics',
    access: 'user',
    query: MetricsQuery,
    responses: { 200: z.object({ metrics: IntegrationMetricsSchema }), 304: null },
  }),
];
