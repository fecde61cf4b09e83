/**
 * The node-postgres database when the server ends a connection (a PostgreSQL restart sends
 * 57P01 "terminating connection due to administrator command" to every backend): nothing is left
 * unlistened, the work on that connection fails on its own, and the next statements run.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import { type Database, openDatabase } from './database.ts';

describe('database connections ended by the server', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let database: Database;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await openDatabase({ url: TEST_DATABASE_URL, schema });
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });

  afterAll(async () => {
    await database?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end();
  });

  it('keeps the process up when a checked-out client is terminated between two statements', async () => {
    const pool = database.sql as unknown as pg.Pool;
    const client = await pool.connect();
    await client.query('BEGIN');
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Not `events.once`: it would listen for 'error' itself.
    const ended = new Promise((resolve) => client.once('end', resolve));
    // The client is idle inside its transaction: the server's FATAL arrives as an 'error' event.
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    try {
      await ended;
      await expect(client.query('SELECT 1')).rejects.toThrow();
    } finally {
      client.release(true);
    }
    // The pool opens a new connection for the next statement.
    const db = database.drizzle();
    expect(await db.select({ one: sql<number>`1` }).from(sql`(SELECT 1) AS t`)).toEqual([{ one: 1 }]);
  });

  it('fails the transaction whose connection is terminated, and runs the next one', async () => {
    const db = database.drizzle();
    await expect(
      db.transaction(async (tx) => {
        const [backend] = await tx.select({ pid: sql<number>`pg_backend_pid()` }).from(sql`(SELECT 1) AS t`);
        await admin.query('SELECT pg_terminate_backend($1)', [backend!.pid]);
        // Wait until the backend is gone, then use the transaction again.
        for (;;) {
          const alive = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend!.pid]);
          if (alive.rowCount === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await tx.select({ one: sql<number>`1` }).from(sql`(SELECT 1) AS t`);
      }),
    ).rejects.toThrow();
    expect(await db.select({ two: sql<number>`2` }).from(sql`(SELECT 1) AS t`)).toEqual([{ two: 2 }]);
  });
});
