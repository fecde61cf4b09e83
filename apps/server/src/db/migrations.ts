/**
 * Applies the schema migrations that drizzle-kit generates from `schema.ts` into `migrations/`
 * (`npm run db:generate`): in the journal's order, each in one transaction, recorded in
 * `schema_migrations`. Generated files are never edited; a change to the schema is a new one.
 *
 * A database made before the migrations were generated (its `schema_migrations` lists the
 * hand-written ids `0001_init` … `0008_backfills_webhooks`) holds exactly the baseline: the
 * baseline is recorded as applied and the constraints PostgreSQL named by default take the names
 * the generated SQL uses, so later generated migrations find them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../paths.ts';

/** Runs one statement and returns its rows. */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** One migration: its journal tag and its statements. */
export interface Migration {
  readonly id: string;
  readonly statements: readonly string[];
}

/** The first generated migration: every table as the hand-written migrations left them. */
const BASELINE = '0000_baseline';
/** The migrations written by hand before they were generated; a database that lists the last holds the baseline. */
export const HAND_WRITTEN_MIGRATIONS = [
  '0001_init',
  '0002_sprints',
  '0003_sync_heartbeat_and_jobs',
  '0004_metrics_history',
  '0005_accounts_audit',
  '0006_durable_sync_requests',
  '0007_password_resets',
  '0008_backfills_webhooks',
] as const;
const LAST_HAND_WRITTEN = HAND_WRITTEN_MIGRATIONS.at(-1)!;

const BREAKPOINT = '--> statement-breakpoint';

interface Journal {
  entries: { tag: string }[];
}

/** The constraints of one table in a drizzle-kit snapshot, the parts whose names are derived. */
interface SnapshotTable {
  name: string;
  schema: string;
  foreignKeys: Record<string, { name: string; columnsFrom: string[] }>;
  compositePrimaryKeys: Record<string, { name: string; columns: string[] }>;
  uniqueConstraints: Record<string, { name: string; columns: string[] }>;
}

/** The generated migrations, oldest first. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as Journal;
  return journal.entries.map(({ tag }) => ({
    id: tag,
    statements: readFileSync(join(dir, `${tag}.sql`), 'utf8')
      .split(BREAKPOINT)
      // drizzle-kit names the `public` schema in references; the tables live in the schema the
      // search path names (a per-test or configured `DATABASE_SCHEMA`).
      .map((statement) => statement.replaceAll('"public".', '').trim())
      .filter(Boolean),
  }));
}

/**
 * `[PostgreSQL's default name, the generated name]` of every constraint the baseline names
 * differently from what PostgreSQL chose for the hand-written SQL (primary keys of one column and
 * checks are named alike).
 */
export function baselineRenames(dir = MIGRATIONS_DIR): { table: string; from: string; to: string }[] {
  const snapshot = JSON.parse(readFileSync(join(dir, 'meta', `${BASELINE.slice(0, 4)}_snapshot.json`), 'utf8')) as {
    tables: Record<string, SnapshotTable>;
  };
  const renames: { table: string; from: string; to: string }[] = [];
  for (const table of Object.values(snapshot.tables)) {
    const add = (from: string, to: string) => {
      if (from !== to) renames.push({ table: table.name, from, to });
    };
    for (const fk of Object.values(table.foreignKeys)) add(`${table.name}_${fk.columnsFrom.join('_')}_fkey`, fk.name);
    for (const pk of Object.values(table.compositePrimaryKeys)) add(`${table.name}_pkey`, pk.name);
    for (const unique of Object.values(table.uniqueConstraints)) {
      add(`${table.name}_${unique.columns.join('_')}_key`, unique.name);
    }
  }
  return renames;
}

/** Records the baseline as applied to a database the hand-written migrations made, renaming its constraints. */
async function adoptBaseline(run: SqlRunner, schema: string): Promise<void> {
  const present = new Set(
    (
      await run(
        `SELECT k.conname FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = $1`,
        [schema],
      )
    ).map((row) => String(row.conname)),
  );
  for (const { table, from, to } of baselineRenames()) {
    if (present.has(from)) await run(`ALTER TABLE "${table}" RENAME CONSTRAINT "${from}" TO "${to}"`);
  }
  await run('INSERT INTO schema_migrations (id) VALUES ($1)', [BASELINE]);
}

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
    if (HAND_WRITTEN_MIGRATIONS.some((id) => done.has(id)) && !done.has(BASELINE)) {
      if (!done.has(LAST_HAND_WRITTEN)) {
        throw new Error(
          `the database was made by an AgileTrack older than its ${LAST_HAND_WRITTEN} migration: start a release from before generated migrations once, then this one`,
        );
      }
      await inTransaction(run, BASELINE, () => adoptBaseline(run, schema));
      done.add(BASELINE);
      applied.push(BASELINE);
    }
    for (const migration of loadMigrations()) {
      if (done.has(migration.id)) continue;
      await inTransaction(run, migration.id, async () => {
        for (const statement of migration.statements) await run(statement);
        await run('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      });
      applied.push(migration.id);
    }
  } finally {
    await run('SELECT pg_advisory_unlock(727274)');
  }
  return applied;
}

async function inTransaction(run: SqlRunner, id: string, body: () => Promise<void>): Promise<void> {
  await run('BEGIN');
  try {
    await body();
    await run('COMMIT');
  } catch (error) {
    await run('ROLLBACK');
    throw new Error(`migration ${id} failed: ${(error as Error).message}`, { cause: error });
  }
}
