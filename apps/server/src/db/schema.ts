/**
 * The database schema (drizzle-orm), its only declaration: the SQL migrations in `migrations/` are
 * generated from it by `npm run db:generate` (drizzle-kit), and a test fails when they are behind.
 */
import { type SQL, sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** `column IN (values…)` for a CHECK constraint: the column's enum, enforced by the database too. */
const oneOf = (column: string, values: readonly string[]): SQL =>
  sql.raw(`${column} IN (${values.map((value) => `'${value}'`).join(', ')})`);

// The enums the API declares too (a test compares them); the test setup loads this file where
// workspace packages do not resolve, so they are written here.
export const ROLES = ['admin', 'member'] as const;
export const INTEGRATION_KINDS = ['github', 'jira'] as const;
export const SYNC_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const WORK_ITEM_KINDS = ['pull_request', 'issue', 'deployment', 'sprint', 'incident'] as const;
export const GOAL_COMPARATORS = ['atMost', 'atLeast'] as const;
export const GOAL_STATUSES = ['met', 'breached', 'unknown'] as const;
export const DELIVERY_STATUSES = ['delivered', 'failed'] as const;

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`);

/** People who log in. `role` is `admin` or `member`. */
export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    createdAt: createdAt(),
    /** Set when an admin deactivates the user: no login, no session, no token works. */
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true, mode: 'date' }),
  },
  () => [check('users_role_check', oneOf('role', ROLES))],
);

/** Browser sessions; the id is the SHA-256 of the cookie's token, never the token itself. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** API tokens for scripts; stored as SHA-256 hashes. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    /** Updated when a lookup of the token reaches the database (at most once per cached period). */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId)],
);

/** Teams whose delivery is measured. */
export const teams = pgTable('teams', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
});

/** Who belongs to which team. */
export const teamMembers = pgTable(
  'team_members',
  {
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user_idx').on(t.userId)],
);

/** A team's connection to GitHub or Jira. Credentials are AES-256-GCM ciphertext, never returned. */
export const integrations = pgTable(
  'integrations',
  {
    id: serial('id').primaryKey(),
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: INTEGRATION_KINDS }).notNull(),
    name: text('name').notNull(),
    config: jsonb('config').notNull().$type<Record<string, unknown>>(),
    credentialsEncrypted: text('credentials_encrypted').notNull(),
    /** The webhook secret, sealed like the credentials; null until one is issued. */
    webhookSecretEncrypted: text('webhook_secret_encrypted'),
    syncIntervalMinutes: integer('sync_interval_minutes'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
  },
  (t) => [
    index('integrations_team_idx').on(t.teamId),
    check('integrations_kind_check', oneOf('kind', INTEGRATION_KINDS)),
    check('integrations_sync_interval_minutes_check', sql`sync_interval_minutes IS NULL OR sync_interval_minutes > 0`),
  ],
);

/** One sync of one integration: its status and what it fetched. */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: serial('id').primaryKey(),
    integrationId: integer('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    jobId: text('job_id'),
    status: text('status', { enum: SYNC_STATUSES }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    /** Beaten by the process doing the run; a stopped heartbeat means the run was interrupted. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    error: text('error'),
    stats: jsonb('stats').$type<Record<string, unknown>>(),
    /** The run refetches everything (`?full=true`); kept so a run queued again stays full. */
    fullResync: boolean('full_resync').notNull().default(false),
  },
  (t) => [
    index('sync_runs_integration_idx').on(t.integrationId, t.startedAt),
    index('sync_runs_running_idx').on(t.heartbeatAt).where(sql`status = 'running'`),
    index('sync_runs_job_idx').on(t.jobId),
    index('sync_runs_queued_idx').on(t.startedAt).where(sql`status = 'queued'`),
    check('sync_runs_status_check', oneOf('status', SYNC_STATUSES)),
  ],
);

/** Pull requests, issues, deployments fetched from an integration, normalised. */
export const workItems = pgTable(
  'work_items',
  {
    id: serial('id').primaryKey(),
    integrationId: integer('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: WORK_ITEM_KINDS }).notNull(),
    externalId: text('external_id').notNull(),
    title: text('title').notNull().default(''),
    state: text('state').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    firstReviewAt: timestamp('first_review_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    storyPoints: doublePrecision('story_points'),
    sprint: text('sprint'),
    data: jsonb('data').$type<Record<string, unknown>>(),
    /** The backfill that last saw the item: after a full resync, items it did not see are gone. */
    seenIn: text('seen_in'),
  },
  (t) => [
    uniqueIndex('work_items_external_idx').on(t.integrationId, t.kind, t.externalId),
    index('work_items_finished_idx').on(t.integrationId, t.kind, t.finishedAt),
    check('work_items_kind_check', oneOf('kind', WORK_ITEM_KINDS)),
  ],
);

/** Metrics computed for an integration over a window; the newest one is served. */
export const metricSnapshots = pgTable(
  'metric_snapshots',
  {
    id: serial('id').primaryKey(),
    integrationId: integer('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    computedAt: timestamp('computed_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    windowDays: integer('window_days').notNull(),
    metrics: jsonb('metrics').notNull().$type<Record<string, unknown>>(),
    /** The items behind each number (see metrics/samples.ts). */
    samples: jsonb('samples').notNull().default({}).$type<Record<string, unknown>>(),
    /** The values alone of each list: what a team's numbers are computed from (small to read). */
    sampleValues: jsonb('sample_values').notNull().default({}).$type<Record<string, number[]>>(),
    /** The values of each list over the window before this one (null: that window lacks history). */
    previous: jsonb('previous').$type<Record<string, number[]>>(),
  },
  (t) => [
    index('metric_snapshots_integration_idx').on(t.integrationId, t.computedAt),
    index('metric_snapshots_window_idx').on(t.integrationId, t.windowDays, t.computedAt),
  ],
);

/** One point per integration, window and UTC day: the metrics as of the end of that day. */
export const metricDaily = pgTable(
  'metric_daily',
  {
    integrationId: integer('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    windowDays: integer('window_days').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    metrics: jsonb('metrics').notNull().$type<Record<string, number | null>>(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.windowDays, t.day] })],
);

/** A full sync under way: where each stream stands, so a killed backfill resumes from its cursor. */
export const syncBackfills = pgTable('sync_backfills', {
  integrationId: integer('integration_id')
    .primaryKey()
    .references(() => integrations.id, { onDelete: 'cascade' }),
  backfillId: text('backfill_id').notNull(),
  state: jsonb('state').notNull().$type<Record<string, unknown>>(),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
});

/** Webhook deliveries accepted for an integration: the ids that make a retry a replay, and what each did. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    integrationId: integer('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    deliveryId: text('delivery_id').notNull(),
    event: text('event').notNull(),
    outcome: text('outcome').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_delivery_idx').on(t.integrationId, t.deliveryId),
    index('webhook_deliveries_recent_idx').on(t.integrationId, t.receivedAt),
  ],
);

/** The embedded mode's job queue, kept so a crash or a restart loses no job. */
export const queuedJobs = pgTable('queued_jobs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  state: text('state').notNull(),
  data: jsonb('data').notNull().$type<{ integrationId: number; teamId: number }>(),
  progress: jsonb('progress'),
  result: jsonb('result'),
  failedReason: text('failed_reason'),
  attempts: integer('attempts').notNull().default(0),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  finishedAt: bigint('finished_at', { mode: 'number' }),
});

/** Every change made through the API or the CLI: who, when, from where, and non-secret fields before and after. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    actorId: integer('actor_id').references(() => users.id, { onDelete: 'set null' }),
    actorEmail: text('actor_email'),
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id'),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    address: text('address'),
  },
  (t) => [index('audit_log_entity_idx').on(t.entity, t.entityId), index('audit_log_actor_idx').on(t.actorId)],
);

/** One-time password reset links an admin issued; the id is the SHA-256 of the link's token. */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Set when the link is used: it works once. */
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('password_resets_user_idx').on(t.userId)],
);

/** A team's goal on a metric ("pickup p85 ≤ 24 h"), with its newest evaluation. */
export const goals = pgTable(
  'goals',
  {
    id: serial('id').primaryKey(),
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    metric: text('metric').notNull(),
    comparator: text('comparator', { enum: GOAL_COMPARATORS }).notNull(),
    threshold: doublePrecision('threshold').notNull(),
    windowDays: integer('window_days').notNull(),
    status: text('status', { enum: GOAL_STATUSES }).notNull().default('unknown'),
    value: doublePrecision('value'),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
  },
  (t) => [
    index('goals_team_idx').on(t.teamId),
    check('goals_comparator_check', oneOf('comparator', GOAL_COMPARATORS)),
    check('goals_status_check', oneOf('status', GOAL_STATUSES)),
  ],
);

/** Each evaluation of a goal whose value or status changed: its history. */
export const goalEvaluations = pgTable(
  'goal_evaluations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    goalId: integer('goal_id')
      .notNull()
      .references(() => goals.id, { onDelete: 'cascade' }),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    value: doublePrecision('value'),
    status: text('status', { enum: GOAL_STATUSES }).notNull(),
  },
  (t) => [
    index('goal_evaluations_goal_idx').on(t.goalId, t.evaluatedAt),
    check('goal_evaluations_status_check', oneOf('status', GOAL_STATUSES)),
  ],
);

/** Where a team's goal breaches are posted: a Slack-compatible incoming webhook (sealed, never returned). */
export const teamNotifications = pgTable('team_notifications', {
  teamId: integer('team_id')
    .primaryKey()
    .references(() => teams.id, { onDelete: 'cascade' }),
  webhookUrlEncrypted: text('webhook_url_encrypted'),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
});

/** Each notification sent (or given up on), for admins. */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    goalId: integer('goal_id').references(() => goals.id, { onDelete: 'set null' }),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer('attempts').notNull(),
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [
    index('notification_deliveries_recent_idx').on(t.createdAt),
    check('notification_deliveries_status_check', oneOf('status', DELIVERY_STATUSES)),
  ],
);
