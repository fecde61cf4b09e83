/**
 * The shared suites for buses and tag stores, run against a real PostgreSQL and inside PGlite.
 * PostgreSQL has no lock here (each instance loads a missing key itself), so no lock suite.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { runBusConformance } from '../../testing/bus-conformance.ts';
import { runTagStoreConformance } from '../../testing/tag-store-conformance.ts';
import { postgresBus } from './bus.ts';
import { pgListener, pgliteListener } from './listener.ts';
import type { SqlClient } from './sql.ts';
import { postgresTagStore } from './tag-store.ts';

const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const unique = (what: string): string => `cache_test_${what}_${randomBytes(4).toString('hex')}`;

let pool: pg.Pool;
let lite: PGlite;

// PGlite's first start is slow on a loaded machine: it gets its own limit.
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: URL });
  lite = await PGlite.create();
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await lite?.close();
});

function tagStores(client: () => SqlClient) {
  return async () => {
    const table = unique('tags');
    const stores = [
      postgresTagStore({ client: client(), table }),
      postgresTagStore({ client: client(), table }),
    ] as const;
    for (const store of stores) await store.init();
    return { stores, cleanup: () => client().query(`DROP TABLE IF EXISTS ${table}`) };
  };
}

runBusConformance('postgres', {
  create: () => {
    const channel = unique('bus');
    const listen = pgListener(() => new pg.Client({ connectionString: URL }));
    return { buses: [postgresBus({ client: pool, listen, channel }), postgresBus({ client: pool, listen, channel })] };
  },
});

runBusConformance('pglite', {
  create: () => {
    const channel = unique('bus');
    const listen = pgliteListener(lite);
    return { buses: [postgresBus({ client: lite, listen, channel }), postgresBus({ client: lite, listen, channel })] };
  },
});

runTagStoreConformance('postgres', { create: tagStores(() => pool) });
runTagStoreConformance('pglite', { create: tagStores(() => lite) });
