/**
 * Opens the database: PGlite in `DATA_DIR` (embedded mode) or PostgreSQL through node-postgres
 * (`DATABASE_URL`), applies migrations, and counts the statements sent (the tests use the count
 * to prove a cached read never reached the database).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SqlClient } from '@agiletrack/cache/postgres';
import { PGlite } from '@electric-sql/pglite';
import type { Cache as DrizzleCacheBase } from 'drizzle-orm/cache/core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.ts';
import { migrate } from './migrations.ts';
import * as schema from './schema.ts';

/** The drizzle database the services use, whichever driver is behind it. */
export type AppDb = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database. */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** The PostgreSQL schema holding the tables. */
  readonly schema: string;
  /** The client for the cache's Postgres tier: same pool, not counted as application queries. */
  readonly sql: SqlClient;
  /** Builds the drizzle instance; `cache` plugs in the query cache. */
  drizzle(options?: { cache?: DrizzleCacheBase }): AppDb;
  /** Statements sent to the database so far. */
  queryCount(): number;
  close(): Promise<void>;
}

/** Where and how to open it. */
export interface DatabaseOptions {
  /** PostgreSQL URL; without it, PGlite. */
  url?: string | undefined;
  /** PGlite data directory; `undefined` with no url means in-memory (tests). */
  dataDir?: string | undefined;
  /** PostgreSQL schema to use (tests isolate themselves with one each). */
  schema?: string;
  /**
   * Start from this dump of a data directory (`dumpDatabase`, the build's template) instead of an
   * empty database: in memory, or in a data directory that has no database yet. Loading a
   * migrated dump is several times faster than creating and migrating.
   */
  snapshot?: Blob | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// Counts every statement that reaches the driver: queries, and those inside transactions.
function counted<T extends object>(target: T, count: () => void): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'query' || property === 'exec') {
        return (...args: unknown[]) => {
          count();
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      }
      if (property === 'transaction') {
        return (fn: (tx: object) => unknown, ...rest: unknown[]) =>
          (value as (...a: unknown[]) => unknown).call(object, (tx: object) => fn(counted(tx, count)), ...rest);
      }
      if (property === 'connect') {
        return async (...args: unknown[]) =>
          counted(await (value as (...a: unknown[]) => Promise<object>).apply(object, args), count);
      }
      return value.bind(object);
    },
  });
}

/** Opens (and migrates) the database. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const schemaName = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schemaName)) throw new Error(`invalid schema name "${schemaName}"`);
  let queries = 0;
  const count = () => {
    queries++;
  };

  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      options: `-c search_path=${schemaName}`,
      max: 10,
      connectionTimeoutMillis: 5_000,
    });
    pool.on('error', () => {
      // An idle client died (server restart): the pool replaces it; queries report their own errors.
    });
    // A client checked out of the pool (a transaction between two statements, the migration) has no
    // listener of the pool's: the server ending its connection (57P01 on a restart) would be an
    // unlistened 'error' and end the process. Each client listens for its whole life; the statement
    // or transaction using it fails on its own, and the pool drops the broken client on release.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const client = await pool.connect();
    try {
      await migrate(async (text, params) => (await client.query(text, params)).rows, schemaName);
    } finally {
      client.release();
    }
    const wrapped = counted(pool, count);
    return {
      kind: 'postgres',
      schema: schemaName,
      sql: pool as unknown as SqlClient,
      drizzle: (opts = {}) =>
        drizzleNodePg({ client: wrapped, schema, ...(opts.cache && { cache: opts.cache }) }) as unknown as AppDb,
      queryCount: () => queries,
      close: () => pool.end(),
    };
  }

  let dataDir: string | undefined;
  let unlock = () => {};
  if (options.dataDir) {
    dataDir = resolve(options.dataDir, 'pglite');
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(resolve(options.dataDir));
  }
  // A new data directory may start from a dump (the build's template) rather than an empty database.
  const load = options.snapshot && !(dataDir && existsSync(join(dataDir, 'PG_VERSION')));
  const lite = dataDir
    ? new PGlite(dataDir, load ? { loadDataDir: options.snapshot } : undefined)
    : new PGlite(load ? { loadDataDir: options.snapshot } : undefined);
  try {
    await lite.waitReady;
    await migrate(async (text, params) => {
      if (params && params.length > 0) return (await lite.query<Record<string, unknown>>(text, params)).rows;
      const results = await lite.exec(text);
      return (results.at(-1)?.rows ?? []) as Record<string, unknown>[];
    }, schemaName);
  } catch (error) {
    await lite.close().catch(() => {});
    unlock();
    throw error;
  }
  const wrapped = counted(lite, count);
  return {
    kind: 'pglite',
    schema: schemaName,
    sql: lite as unknown as SqlClient,
    drizzle: (opts = {}) =>
      drizzlePglite({ client: wrapped, schema, ...(opts.cache && { cache: opts.cache }) }) as unknown as AppDb,
    queryCount: () => queries,
    close: async () => {
      try {
        await lite.close();
      } finally {
        unlock();
      }
    },
  };
}

/** A dump of an in-memory PGlite database, for `DatabaseOptions.snapshot`. */
export async function dumpDatabase(database: Database): Promise<Blob> {
  if (database.kind !== 'pglite') throw new Error('only a PGlite database can be dumped');
  return (database.sql as unknown as PGlite).dumpDataDir('none');
}
