/**
 * Goals ("working agreements"): a team's target on one of its metrics, evaluated after every sync
 * or webhook update, and where a breach is posted (a Slack-compatible incoming webhook, whose URL is
 * a credential: written, never read back). The routes are part of the metrics group.
 */
import { z } from 'zod';
import { isMetricName, METRIC_WINDOWS } from '../metrics.ts';
import { RowId, RowIdParam, route, Timestamp } from './common.ts';

/** `atMost`: the value must stay at or under the threshold (a duration, a failure rate); `atLeast`: at or over it. */
export const GoalComparator = z.enum(['atMost', 'atLeast']);

/** Where a goal stands: `unknown` until the metric has a value. */
export const GoalStatus = z.enum(['met', 'breached', 'unknown']);

/** One evaluation that changed a goal's value or status. */
export const GoalEvaluationSchema = z.object({ at: Timestamp, value: z.number().nullable(), status: GoalStatus });

/** A goal with its newest evaluation and its history (newest first, at most 30). */
export const GoalSchema = z.object({
  id: RowId,
  teamId: RowId,
  metric: z.string(),
  comparator: GoalComparator,
  threshold: z.number(),
  windowDays: z.number(),
  status: GoalStatus,
  value: z.number().nullable(),
  evaluatedAt: Timestamp.nullable(),
  history: z.array(GoalEvaluationSchema),
  createdAt: Timestamp,
});
/** A goal. */
export type Goal = z.infer<typeof GoalSchema>;

const windowDays = z
  .number()
  .int()
  .refine((days) => (METRIC_WINDOWS as readonly number[]).includes(days), {
    message: `must be one of ${METRIC_WINDOWS.join(', ')}`,
  });

/** POST /api/teams/:teamId/goals */
export const CreateGoalBody = z.strictObject({
  metric: z.string().refine(isMetricName, { message: 'must be a metric name such as cyclePickupP85Hours' }),
  comparator: GoalComparator,
  threshold: z.number().finite().min(0, 'must not be negative').max(1_000_000),
  windowDays: windowDays.optional(),
});

/** PATCH /api/goals/:goalId */
export const UpdateGoalBody = CreateGoalBody.partial().refine((body) => Object.keys(body).length > 0, {
  message: 'nothing to change',
});

/** PATCH /api/teams/:teamId/notifications: the incoming-webhook URL (https), or null to remove it. */
export const UpdateNotificationsBody = z.strictObject({
  webhookUrl: z
    .url({ protocol: /^https?$/, error: 'must be an https:// address' })
    .max(2_000)
    .nullable(),
});

/** A team's notification settings: whether a webhook is set, never its address. */
export const NotificationsSchema = z.object({
  teamId: RowId,
  webhookConfigured: z.boolean(),
  updatedAt: Timestamp.nullable(),
  /** The newest delivery that failed after its retries, if any since the address was set. */
  lastFailure: z.object({ at: Timestamp, error: z.string() }).nullable(),
});

/** A delivery that failed after its retries (admins). */
export const NotificationFailureSchema = z.object({
  id: RowId,
  teamId: RowId,
  goalId: RowId.nullable(),
  attempts: z.number().int(),
  error: z.string(),
  at: Timestamp,
});

const GoalBody = z.object({ goal: GoalSchema });
const goalParams = z.object({ goalId: RowIdParam });
const teamParams = z.object({ teamId: RowIdParam });

/** The routes of this file. */
export const goalRoutes = [
  route({
    id: 'metrics.goals',
    method: 'GET',
    path: '/api/teams/:teamId/goals',
    params: teamParams,
    summary: "A team's goals, each with its status and history",
    tag: 'Goals',
    access: 'user',
    responses: { 200: z.object({ goals: z.array(GoalSchema) }) },
  }),
  route({
    id: 'metrics.goalCreate',
    method: 'POST',
    path: '/api/teams/:teamId/goals',
    params: teamParams,
    summary: 'Set a goal on a metric (evaluated at once and after every sync)',
    tag: 'Goals',
    access: 'user',
    body: CreateGoalBody,
    responses: { 201: GoalBody },
  }),
  route({
    id: 'metrics.goalUpdate',
    method: 'PATCH',
    path: '/api/goals/:goalId',
    params: goalParams,
    summary: 'Change a goal',
    tag: 'Goals',
    access: 'user',
    body: UpdateGoalBody,
    responses: { 200: GoalBody },
  }),
  route({
    id: 'metrics.goalDelete',
    method: 'DELETE',
    path: '/api/goals/:goalId',
    params: goalParams,
    summary: 'Remove a goal',
    tag: 'Goals',
    access: 'user',
    responses: { 204: null },
  }),
  route({
    id: 'metrics.notifications',
    method: 'GET',
    path: '/api/teams/:teamId/notifications',
    params: teamParams,
    summary: "Whether a team's goal breaches are posted to a webhook (never its address)",
    tag: 'Goals',
    access: 'user',
    responses: { 200: z.object({ notifications: NotificationsSchema }) },
  }),
  route({
    id: 'metrics.notificationsUpdate',
    method: 'PATCH',
    path: '/api/teams/:teamId/notifications',
    params: teamParams,
    summary: "Set or remove the team's Slack-compatible incoming webhook (stored encrypted)",
    tag: 'Goals',
    access: 'user',
    body: UpdateNotificationsBody,
    responses: { 200: z.object({ notifications: NotificationsSchema }) },
  }),
  route({
    id: 'metrics.notificationFailures',
    method: 'GET',
    path: '/api/admin/notifications',
    summary: 'Goal notifications that failed after their retries, newest first',
    tag: 'Goals',
    access: 'admin',
    responses: { 200: z.object({ failures: z.array(NotificationFailureSchema) }) },
  }),
];
