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

/** The routes of this file. */
export const metricsRoutes = [
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
