-- The schema as the hand-written migrations made it, before migrations were generated from
-- schema.ts: a frozen copy for the upgrade test, never applied by the server.
-- 0001_init
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
-- 0002_sprints
ALTER TABLE work_items DROP CONSTRAINT work_items_kind_check;
ALTER TABLE work_items ADD CONSTRAINT work_items_kind_check CHECK (kind IN ('pull_request', 'issue', 'deployment', 'sprint'));
-- 0003_sync_heartbeat_and_jobs
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
-- 0004_metrics_history
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
-- 0005_accounts_audit
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
-- 0006_durable_sync_requests
ALTER TABLE sync_runs ADD COLUMN full_resync boolean NOT NULL DEFAULT false;
CREATE INDEX sync_runs_job_idx ON sync_runs (job_id);
CREATE INDEX sync_runs_queued_idx ON sync_runs (started_at) WHERE status = 'queued';
-- 0007_password_resets
CREATE TABLE password_resets (
  id text PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_by integer REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
-- 0008_backfills_webhooks
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
CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO schema_migrations (id) VALUES ('0001_init'), ('0002_sprints'), ('0003_sync_heartbeat_and_jobs'), ('0004_metrics_history'), ('0005_accounts_audit'), ('0006_durable_sync_requests'), ('0007_password_resets'), ('0008_backfills_webhooks');
