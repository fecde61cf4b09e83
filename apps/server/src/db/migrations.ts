/**
 * Schema migrations, applied in order at start inside one transaction each, recorded in
 * `schema_migrations`. Append new ones; never edit one that has shipped.
 */

/** Runs one statement (or several without parameters) and returns its rows. */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** One migration: a stable id and the SQL that applies it. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_init',
    sql: `
      CREATE TABLE users (
        id serial PRIMARY KEY,
        email text NOT NULL UNIQUE,
        name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'member')),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE sessions (
        id text PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX sessions_user_idx ON sessions (user_id);
      CREATE TABLE api_tokens (
        id serial PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE teams (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE team_members (
        team_id integer NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (team_id, user_id)
      );
      CREATE INDEX team_members_user_idx ON team_members (user_id);
      CREATE TABLE integrations (
        id serial PRIMARY KEY,
        team_id integer NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('github', 'jira')),
        name text NOT NULL,
        config jsonb NOT NULL,
        credentials_encrypted text NOT NULL,
        sync_interval_minutes integer CHECK (sync_interval_minutes IS NULL OR sync_interval_minutes > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX integrations_team_idx ON integrations (team_id);
      CREATE TABLE sync_runs (
        id serial PRIMARY KEY,
        integration_id integer NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        job_id text,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        error text,
        stats jsonb
      );
      CREATE INDEX sync_runs_integration_idx ON sync_runs (integration_id, started_at);
      CREATE TABLE work_items (
        id serial PRIMARY KEY,
        integration_id integer NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('pull_request', 'issue', 'deployment')),
        external_id text NOT NULL,
        title text NOT NULL DEFAULT '',
        state text NOT NULL,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        first_review_at timestamptz,
        finished_at timestamptz,
        story_points double precision,
        sprint text,
        data jsonb
      );
      CREATE UNIQUE INDEX work_items_external_idx ON work_items (integration_id, kind, external_id);
      CREATE TABLE metric_snapshots (
        id serial PRIMARY KEY,
        integration_id integer NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        computed_at timestamptz NOT NULL DEFAULT now(),
        window_days integer NOT NULL,
        metrics jsonb NOT NULL
      );
      CREATE INDEX metric_snapshots_integration_idx ON metric_snapshots (integration_id, computed_at);
    `,
  },
  {
    id: '0002_sprints',
    sql: `
      ALTER TABLE work_items DROP CONSTRAINT work_items_kind_check;
      ALTER TABLE work_items ADD CONSTRAINT work_items_kind_check CHECK (kind IN ('pull_request', 'issue', 'deployment', 'sprint'));
    `,
  },
  {
    id: '0003_sync_heartbeat_and_jobs',
    sql: `
      ALTER TABLE sync_runs ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
      CREATE INDEX sync_runs_running_idx ON sync_runs (heartbeat_at) WHERE status = 'running';
      CREATE TABLE queued_jobs (
        id text PRIMARY KEY,
        name text NOT NULL,
        state text NOT NULL,
        data jsonb NOT NULL,
        progress jsonb,
        result jsonb,
        failed_reason text,
        attempts integer NOT NULL DEFAULT 0,
        created_at bigint NOT NULL,
        finished_at bigint
      );
    `,
  },
  {
    id: '0004_metrics_history',
    sql: `
      ALTER TABLE work_items DROP CONSTRAINT work_items_kind_check;
      ALTER TABLE work_items ADD CONSTRAINT work_items_kind_check CHECK (kind IN ('pull_request', 'issue', 'deployment', 'sprint', 'incident'));
      CREATE INDEX work_items_finished_idx ON work_items (integration_id, kind, finished_at);
      CREATE INDEX metric_snapshots_window_idx ON metric_snapshots (integration_id, window_days, computed_at);
      CREATE TABLE metric_daily (
        integration_id integer NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        window_days integer NOT NULL,
        day date NOT NULL,
        metrics jsonb NOT NULL,
        PRIMARY KEY (integration_id, window_days, day)
      );
    `,
  },
  {
    id: '0005_accounts_audit',
    sql: `
      ALTER TABLE users ADD COLUMN deactivated_at timestamptz;
      ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz;
      ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
      CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id integer REFERENCES users(id) ON DELETE SET NULL,
        actor_email text,
        action text NOT NULL,
        entity text NOT NULL,
        entity_id text,
        before jsonb,
        after jsonb,
        address text
      );
      CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
      CREATE INDEX audit_log_actor_idx ON audit_log (actor_id);
    `,
  },
  {
    id: '0006_durable_sync_requests',
    sql: `
      ALTER TABLE sync_runs ADD COLUMN full_resync boolean NOT NULL DEFAULT false;
      CREATE INDEX sync_runs_job_idx ON sync_runs (job_id);
      CREATE INDEX sync_runs_queued_idx ON sync_runs (started_at) WHERE status = 'queued';
    `,
  },
  {
    id: '0007_password_resets',
    sql: `
      CREATE TABLE password_resets (
        id text PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_by integer REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      CREATE INDEX password_resets_user_idx ON password_resets (user_id);
    `,
  },
  {
    id: '0008_backfills_webhooks',
    sql: `
      CREATE TABLE sync_backfills (
        integration_id integer PRIMARY KEY REFERENCES integrations(id) ON DELETE CASCADE,
        backfill_id text NOT NULL,
        state jsonb NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE work_items ADD COLUMN seen_in text;
      ALTER TABLE integrations ADD COLUMN webhook_secret_encrypted text;
      CREATE TABLE webhook_deliveries (
        id bigserial PRIMARY KEY,
        integration_id integer NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        delivery_id text NOT NULL,
        event text NOT NULL,
        outcome text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX webhook_deliveries_delivery_idx ON webhook_deliveries (integration_id, delivery_id);
      CREATE INDEX webhook_deliveries_recent_idx ON webhook_deliveries (integration_id, received_at);
    `,
  },
  {
    id: '0009_metric_samples_goals',
    sql: `
      ALTER TABLE metric_snapshots ADD COLUMN samples jsonb NOT NULL DEFAULT '{}'::jsonb;
      ALTER TABLE metric_snapshots ADD COLUMN sample_values jsonb NOT NULL DEFAULT '{}'::jsonb;
      ALTER TABLE metric_snapshots ADD COLUMN previous jsonb;
      CREATE TABLE goals (
        id serial PRIMARY KEY,
        team_id integer NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        metric text NOT NULL,
        comparator text NOT NULL,
        threshold double precision NOT NULL,
        window_days integer NOT NULL,
        status text NOT NULL DEFAULT 'unknown',
        value double precision,
        evaluated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX goals_team_idx ON goals (team_id);
      CREATE TABLE goal_evaluations (
        id bigserial PRIMARY KEY,
        goal_id integer NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
        evaluated_at timestamptz NOT NULL DEFAULT now(),
        value double precision,
        status text NOT NULL
      );
      CREATE INDEX goal_evaluations_goal_idx ON goal_evaluations (goal_id, evaluated_at);
      CREATE TABLE team_notifications (
        team_id integer PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
        webhook_url_encrypted text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE notification_deliveries (
        id bigserial PRIMARY KEY,
        team_id integer NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        goal_id integer REFERENCES goals(id) ON DELETE SET NULL,
        status text NOT NULL,
        attempts integer NOT NULL,
        error text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX notification_deliveries_recent_idx ON notification_deliveries (created_at);
    `,
  },
];

/**
 * Applies pending migrations. An advisory lock makes concurrent starts (several API processes)
 * wait for each other instead of racing on CREATE TABLE.
 */
export async function migrate(run: SqlRunner, schema: string): Promise<string[]> {
  const applied: string[] = [];
  await run(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await run(`SET search_path TO "${schema}"`);
  await run('SELECT pg_advisory_lock(727274)');
  try {
    await run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await run('SELECT id FROM schema_migrations')).map((row) => String(row.id)));
    for (const migration of MIGRATIONS) {
      if (done.has(migration.id)) continue;
      await run('BEGIN');
      try {
        await run(migration.sql);
        await run('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
        await run('COMMIT');
        applied.push(migration.id);
      } catch (error) {
        await run('ROLLBACK');
        throw new Error(`migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
      }
    }
  } finally {
    await run('SELECT pg_advisory_unlock(727274)');
  }
  return applied;
}
