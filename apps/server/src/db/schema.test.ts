/**
 * The database schema has one source, `schema.ts`: the generated migrations are not behind it,
 * the tables they create are the tables it describes (columns, types, nullability, defaults,
 * unique columns, indexes and foreign keys), and a database the earlier hand-written migrations
 * made upgrades to exactly what a new one gets.
 */

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { GoalComparator, GoalStatus, IntegrationKind, LastSyncSchema, Role, WorkItemSchema } from '@agiletrack/domain';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_DIR, MIGRATIONS_DIR } from '../paths.ts';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import { type Database, openDatabase } from './database.ts';
import { HAND_WRITTEN_MIGRATIONS } from './migrations.ts';
import * as schema from './schema.ts';

interface TableShape {
  columns: Record<string, { type: string; nullable: boolean; hasDefault: boolean }>;
  unique: string[];
  indexes: string[];
  foreignKeys: string[];
}

const ON_DELETE: Record<string, string> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

// Drizzle's type names → PostgreSQL's: serial types are integers with a sequence default.
const normalise = (type: string): string =>
  ({ serial: 'integer', bigserial: 'bigint', 'timestamp with time zone': 'timestamptz' })[type] ?? type;

function fromDrizzle(): Record<string, TableShape> {
  const out: Record<string, TableShape> = {};
  for (const table of Object.values(schema)) {
    if (!(table instanceof PgTable)) continue;
    const config = getTableConfig(table);
    const columns: TableShape['columns'] = {};
    for (const column of config.columns) {
      const type = normalise(column.getSQLType());
      const serial = /serial$/.test(column.getSQLType());
      columns[column.name] = { type, nullable: !column.notNull, hasDefault: column.hasDefault || serial };
    }
    out[config.name] = {
      columns,
      unique: config.columns
        .filter((c) => c.isUnique)
        .map((c) => c.name)
        .sort(),
      indexes: config.indexes.map((index) => index.config.name!).sort(),
      foreignKeys: config.foreignKeys
        .map((fk) => {
          const ref = fk.reference();
          const target = getTableConfig(ref.foreignTable).name;
          return `${ref.columns.map((c) => c.name).join(',')} -> ${target}(${ref.foreignColumns.map((c) => c.name).join(',')}) on delete ${fk.onDelete ?? 'no action'}`;
        })
        .sort(),
    };
  }
  return out;
}

async function fromDatabase(database: Database): Promise<Record<string, TableShape>> {
  const query = async (text: string) =>
    (await database.sql.query(text, [database.schema])).rows as Record<string, string | boolean>[];
  const columns = await query(`
    SELECT table_name, column_name, is_nullable, column_default,
           CASE WHEN data_type = 'timestamp with time zone' THEN 'timestamptz' ELSE data_type END AS type
    FROM information_schema.columns WHERE table_schema = $1 AND table_name <> 'schema_migrations'`);
  const out: Record<string, TableShape> = {};
  for (const row of columns) {
    const name = row.table_name as string;
    out[name] ??= { columns: {}, unique: [], indexes: [], foreignKeys: [] };
    const table = out[name];
    table.columns[row.column_name as string] = {
      type: row.type as string,
      nullable: row.is_nullable === 'YES',
      hasDefault: row.column_default !== null,
    };
  }
  const unique = await query(`
    SELECT c.relname AS table_name, a.attname AS column_name
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (k.conkey)
    WHERE n.nspname = $1 AND k.contype = 'u' AND array_length(k.conkey, 1) = 1`);
  for (const row of unique) out[row.table_name as string]?.unique.push(row.column_name as string);
  // Indexes made by a constraint (primary key, UNIQUE) are compared as constraints above.
  const indexes = await query(`
    SELECT t.relname AS table_name, i.relname AS index_name
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)`);
  for (const row of indexes) out[row.table_name as string]?.indexes.push(row.index_name as string);
  const foreignKeys = await query(`
    SELECT c.relname AS table_name, f.relname AS target, k.confdeltype AS on_delete,
      (SELECT string_agg(a.attname, ',') FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)) AS columns,
      (SELECT string_agg(a.attname, ',') FROM pg_attribute a WHERE a.attrelid = k.confrelid AND a.attnum = ANY (k.confkey)) AS foreign_columns
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND k.contype = 'f'`);
  for (const row of foreignKeys) {
    out[row.table_name as string]?.foreignKeys.push(
      `${row.columns} -> ${row.target}(${row.foreign_columns}) on delete ${ON_DELETE[row.on_delete as string]}`,
    );
  }
  for (const table of Object.values(out)) {
    table.unique.sort();
    table.indexes.sort();
    table.foreignKeys.sort();
  }
  return out;
}

describe('the SQL migrations and the Drizzle schema', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` });
  });
  afterAll(async () => {
    await database?.sql.query(`DROP SCHEMA IF EXISTS "${database.schema}" CASCADE`);
    await database?.close();
  });

  it('describe the same tables', async () => {
    const drizzle = fromDrizzle();
    expect(Object.keys(drizzle).length).toBeGreaterThan(5);
    expect(await fromDatabase(database)).toEqual(drizzle);
  });
});

describe('the generated migrations', () => {
  it('are not behind schema.ts: drizzle-kit finds nothing to generate', async () => {
    // drizzle-kit takes its paths relative to where it runs (it prefixes `./`), so it runs in a
    // folder holding a copy of the migrations.
    const dir = mkdtempSync(join(tmpdir(), 'agiletrack-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, join(dir, 'migrations'), { recursive: true });
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [
          join(APPS_DIR, '..', 'node_modules', 'drizzle-kit', 'bin.cjs'),
          'generate',
          '--dialect=postgresql',
          `--schema=${relative(dir, join(APPS_DIR, 'server', 'src', 'db', 'schema.ts'))}`,
          '--out=migrations',
        ],
        { cwd: dir, env: { ...process.env, NODE_OPTIONS: '--conditions=@agiletrack/source' }, timeout: 120_000 },
      );
      expect(`${stdout}${stderr}`, 'the schema changed: run npm run db:generate').toContain('No schema changes');
      expect(readdirSync(join(dir, 'migrations')).sort()).toEqual(readdirSync(MIGRATIONS_DIR).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upgrade a database the hand-written migrations made to exactly what a new one gets', async () => {
    const legacy = `t_${randomBytes(6).toString('hex')}`;
    const fresh = `t_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA "${legacy}"; SET search_path TO "${legacy}"`);
      await client.query(readFileSync(join(import.meta.dirname, 'legacy-schema.test.sql'), 'utf8'));
      for (const name of [legacy, fresh]) await (await openDatabase({ url: TEST_DATABASE_URL, schema: name })).close();
      const shape = async (name: string) => {
        const rows = async (text: string) =>
          (await client.query(text, [name])).rows.map((row) => JSON.stringify(row).replaceAll(`${name}.`, ''));
        return {
          columns: await rows(
            `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
             WHERE table_schema = $1 ORDER BY table_name, column_name`,
          ),
          constraints: await rows(
            `SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) AS def FROM pg_constraint k
             JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 ORDER BY c.relname, k.conname`,
          ),
          indexes: await rows(
            `SELECT tablename, indexname, replace(indexdef, schemaname || '.', '') AS def FROM pg_indexes
             WHERE schemaname = $1 ORDER BY tablename, indexname`,
          ),
          migrations: (await client.query(`SELECT id FROM "${name}".schema_migrations ORDER BY id`)).rows
            .map((row) => row.id as string)
            .filter((id) => !(HAND_WRITTEN_MIGRATIONS as readonly string[]).includes(id)),
        };
      };
      const [upgraded, made] = [await shape(legacy), await shape(fresh)];
      expect(upgraded.constraints.length).toBeGreaterThan(20);
      expect(upgraded).toEqual(made);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${legacy}" CASCADE; DROP SCHEMA IF EXISTS "${fresh}" CASCADE`);
      await client.end();
    }
  });
});

describe('the enums the database enforces', () => {
  it("are the API's", () => {
    expect(schema.ROLES).toEqual(Role.options);
    expect(schema.INTEGRATION_KINDS).toEqual(IntegrationKind.options);
    expect(['never', ...schema.SYNC_STATUSES]).toEqual(LastSyncSchema.shape.status.options);
    expect(schema.WORK_ITEM_KINDS).toEqual(WorkItemSchema.shape.kind.options);
    expect(schema.GOAL_COMPARATORS).toEqual(GoalComparator.options);
    expect(schema.GOAL_STATUSES).toEqual(GoalStatus.options);
  });
});
