import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { eq } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import {
  integer,
  type PgDatabase,
  type PgQueryResultHKT,
  pgTable,
  pgTableCreator,
  serial,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient } from '../backends/postgres/sql.ts';
import { type PostgresTier, postgresTier } from '../backends/postgres/tier.ts';
import { type Cache, createCache } from '../cache.ts';
import { createFakeClock, type FakeClock } from '../clock.ts';
import { memoryTier } from '../tiers/memory.ts';
import { checkKey, DEFAULT_MAX_KEY_LENGTH } from '../validate.ts';
import {
  type DrizzleCacheOptions,
  DrizzleQueryCache,
  drizzleCache,
  type QueryCacheStore,
  tableTag,
} from './drizzle.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN = randomUUID().replaceAll('-', '').slice(0, 12);

const teams = pgTable(`teams_${RUN}`, {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
const projects = pgTable(`projects_${RUN}`, {
  id: serial('id').primaryKey(),
  teamId: integer('team_id').notNull(),
  title: text('title').notNull(),
});
// Drizzle records a tableCreator table under its base name (`notes`), not the prefixed one.
const notes = pgTableCreator((name) => `app_${RUN}_${name}`)('notes', {
  id: serial('id').primaryKey(),
  body: text('body').notNull(),
});
const CACHE_TABLE = `cache_test_drizzle_${RUN}`;
const DDL = [
  `CREATE TABLE ${`teams_${RUN}`} (id serial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE ${`projects_${RUN}`} (id serial PRIMARY KEY, team_id integer NOT NULL, title text NOT NULL)`,
  `CREATE TABLE ${`app_${RUN}_notes`} (id serial PRIMARY KEY, body text NOT NULL)`,
];

type Db = PgDatabase<PgQueryResultHKT>;

/** Counts the statements a driver client receives, by replacing its `query` method. */
function countQueries(client: { query: (...args: never[]) => unknown }): { count: number } {
  const counter = { count: 0 };
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    counter.count++;
    return original(...args);
  }) as typeof client.query;
  return counter;
}

interface Backend {
  name: string;
  /** Opens the database once: test tables created, Drizzle's client counted, a client for the cache tier. */
  open(): Promise<{
    connect(cache: DrizzleQueryCache): Db;
    queries: { count: number };
    tierClient: SqlClient;
  }>;
  close(): Promise<void>;
}

function memo<T>(open: () => Promise<T>): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () => {
    opened ??= open();
    return opened;
  };
}

const pools: pg.Pool[] = [];
const server: Backend = {
  name: 'postgres',
  open: memo(async () => {
    // Two pools, so the statements Drizzle sends can be counted apart from the cache tier's.
    const drizzlePool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    const tierPool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    pools.push(drizzlePool, tierPool);
    for (const ddl of DDL) await tierPool.query(ddl);
    const queries = countQueries(drizzlePool);
    return { connect: (cache) => drizzleNodePg({ client: drizzlePool, cache }) as Db, queries, tierClient: tierPool };
  }),
  async close() {
    const pool = pools[1];
    if (pool) {
      for (const table of [`teams_${RUN}`, `projects_${RUN}`, `app_${RUN}_notes`, CACHE_TABLE]) {
        await pool.query(`DROP TABLE IF EXISTS ${table}`);
      }
    }
    for (const p of pools) await p.end();
  },
};

let pglite: PGlite | undefined;
const embedded: Backend = {
  name: 'pglite',
  open: memo(async () => {
    pglite = new PGlite();
    for (const ddl of DDL) await pglite.query(ddl);
    // The embedded mode: the cache's Postgres tier lives in the same PGlite as the data. It
    // keeps the original method, so only Drizzle's statements are counted.
    const tierClient: SqlClient = { query: pglite.query.bind(pglite) };
    const queries = countQueries(pglite);
    const db = pglite;
    return { connect: (cache) => drizzlePglite({ client: db, cache }) as unknown as Db, queries, tierClient };
  }),
  async close() {
    await pglite?.close();
  },
};

afterAll(async () => {
  await server.close();
  await embedded.close();
});

let prefixes = 0;

for (const backend of [server, embedded]) {
  describe(`Drizzle query cache on ${backend.name}`, () => {
    let open: { cache: Cache; tier: PostgresTier }[] = [];
    const errors: unknown[] = [];

    // The database opens before the first test, with its own limit (PGlite's first start is slow).
    beforeAll(async () => {
      await backend.open();
    }, 120_000);

    afterEach(async () => {
      for (const { cache, tier } of open) {
        await tier.clear();
        await cache.close();
      }
      open = [];
      // Each test answers for its own errors only.
      expect(errors.splice(0)).toEqual([]);
    });

    /** A real cache (memory L1 + Postgres L2) behind a Drizzle database. */
    async function setup(options: DrizzleCacheOptions = {}, shared?: { keyPrefix: string; clock?: FakeClock }) {
      const { connect, queries, tierClient } = await backend.open();
      const keyPrefix = shared?.keyPrefix ?? `drizzle-test:${RUN}:${++prefixes}:`;
      const tier = postgresTier({ client: tierClient, table: CACHE_TABLE, prefix: keyPrefix });
      await tier.ensureSchema();
      const cache = createCache({
        tiers: [memoryTier(), tier],
        ttl: 60_000,
        // Tests assert behaviour, not latency: a loaded machine must not turn an L2 read into a miss.
        tierDeadline: 5_000,
        ...(shared?.clock && { clock: shared.clock }),
      });
      open.push({ cache, tier });
      const adapter = drizzleCache(cache.namespace('drizzle'), { onError: (error) => errors.push(error), ...options });
      const db = connect(adapter);
      return { db, cache, tier, queries, keyPrefix };
    }

    async function counted<T>(queries: { count: number }, run: () => Promise<T>): Promise<[T, number]> {
      const before = queries.count;
      const result = await run();
      return [result, queries.count - before];
    }

    it('serves a repeated select from the cache without a query', async () => {
      const { db, queries } = await setup();
      await db.insert(teams).values({ name: 'Platform' });
      const [first, firstQueries] = await counted(queries, () => db.select().from(teams).$withCache());
      const [second, secondQueries] = await counted(queries, () => db.select().from(teams).$withCache());
      expect(firstQueries).toBe(1);
      expect(secondQueries).toBe(0);
      expect(second).toEqual(first);
      expect(second[0]?.createdAt).toBeInstanceOf(Date);
      await db.delete(teams);
    });

    it('a write on a table drops the cached selects of that table, and only those', async () => {
      const { db, queries } = await setup();
      const [team] = await db.insert(teams).values({ name: 'Platform' }).returning();
      await db.insert(projects).values({ teamId: team!.id, title: 'Cache' });
      const teamList = () => db.select({ name: teams.name }).from(teams).orderBy(teams.name).$withCache();
      const projectList = () => db.select({ title: projects.title }).from(projects).$withCache();
      await teamList();
      await projectList();

      await db.insert(teams).values({ name: 'Mobile' });
      const [afterInsert, insertQueries] = await counted(queries, teamList);
      expect(afterInsert).toEqual([{ name: 'Mobile' }, { name: 'Platform' }]);
      expect(insertQueries).toBe(1);

      await db.update(teams).set({ name: 'Web' }).where(eq(teams.name, 'Mobile'));
      expect(await teamList()).toEqual([{ name: 'Platform' }, { name: 'Web' }]);

      await db.delete(teams).where(eq(teams.name, 'Web'));
      expect(await teamList()).toEqual([{ name: 'Platform' }]);

      const [projectsNow, projectQueries] = await counted(queries, projectList);
      expect(projectsNow).toEqual([{ title: 'Cache' }]);
      expect(projectQueries).toBe(0);
      await db.delete(teams);
      await db.delete(projects);
    });

    it('a join is dropped by a write on either table', async () => {
      const { db, queries } = await setup();
      const [team] = await db.insert(teams).values({ name: 'Platform' }).returning();
      const joined = () =>
        db
          .select({ team: teams.name, project: projects.title })
          .from(projects)
          .innerJoin(teams, eq(teams.id, projects.teamId))
          .$withCache();
      expect(await joined()).toEqual([]);
      await db.insert(projects).values({ teamId: team!.id, title: 'Cache' });
      expect(await joined()).toEqual([{ team: 'Platform', project: 'Cache' }]);
      await db.update(teams).set({ name: 'Core' });
      const [rows, n] = await counted(queries, joined);
      expect(rows).toEqual([{ team: 'Core', project: 'Cache' }]);
      expect(n).toBe(1);
      await db.delete(teams);
      await db.delete(projects);
    });

    it("caches only $withCache() selects by default, and every select with strategy 'all'", async () => {
      const explicit = await setup();
      await explicit.db.select().from(teams);
      const [, plain] = await counted(explicit.queries, () => explicit.db.select().from(teams));
      expect(plain).toBe(1);

      const all = await setup({ strategy: 'all' });
      await all.db.select().from(teams);
      const [, cached] = await counted(all.queries, () => all.db.select().from(teams));
      expect(cached).toBe(0);
      const [, optedOut] = await counted(all.queries, () => all.db.select().from(teams).$withCache(false));
      expect(optedOut).toBe(1);
    });

    it('serves another instance from the shared Postgres tier', async () => {
      const first = await setup();
      await first.db.insert(teams).values({ name: 'Platform' });
      const fromDb = await first.db.select().from(teams).$withCache();
      // A second process: its own memory tier, the same Postgres table and key prefix.
      const second = await setup({}, { keyPrefix: first.keyPrefix });
      const [fromL2, n] = await counted(second.queries, () => second.db.select().from(teams).$withCache());
      expect(n).toBe(0);
      expect(fromL2).toEqual(fromDb);
      expect(fromL2[0]?.createdAt).toBeInstanceOf(Date);
      expect(await second.tier.keys()).toEqual([expect.stringMatching(/^drizzle:q_[0-9a-f]{64}$/)]);
      await first.db.delete(teams);
    });

    it('$cache.invalidate drops queries by table object or by name tag', async () => {
      const { db, queries } = await setup();
      await db.insert(notes).values({ body: 'hello' });
      const noteList = () => db.select({ body: notes.body }).from(notes).$withCache();
      const named = () => db.select({ id: teams.id }).from(teams).$withCache({ tag: 'teams:ids' });
      await noteList();
      await named();
      const [, cachedNamed] = await counted(queries, named);
      expect(cachedNamed).toBe(0);

      await db.$cache.invalidate({ tables: notes });
      const [, notesAgain] = await counted(queries, noteList);
      expect(notesAgain).toBe(1);

      await db.$cache.invalidate({ tags: 'teams:ids' });
      const [, namedAgain] = await counted(queries, named);
      expect(namedAgain).toBe(1);
      await db.delete(notes);
    });

    it('application code drops the queries of a table through the cache', async () => {
      const { db, cache, queries } = await setup();
      const teamList = () => db.select().from(teams).$withCache();
      await teamList();
      await cache.invalidateTags([tableTag(`teams_${RUN}`)]);
      const [, n] = await counted(queries, teamList);
      expect(n).toBe(1);
    });

    it('keeps a query without auto-invalidation across writes, until its own ttl', async () => {
      const clock = createFakeClock(Date.now());
      const { db, queries } = await setup({}, { keyPrefix: `drizzle-test:${RUN}:${++prefixes}:`, clock });
      const pinned = () =>
        db
          .select({ name: teams.name })
          .from(teams)
          .$withCache({ autoInvalidate: false, config: { ex: 10 } });
      expect(await pinned()).toEqual([]);
      await db.insert(teams).values({ name: 'Platform' });
      const [stillCached, n] = await counted(queries, pinned);
      expect(stillCached).toEqual([]);
      expect(n).toBe(0);
      // The same query with auto-invalidation is not answered by the pinned entry.
      expect(await db.select({ name: teams.name }).from(teams).$withCache()).toEqual([{ name: 'Platform' }]);
      clock.advance(10_001);
      expect(await pinned()).toEqual([{ name: 'Platform' }]);
      await db.delete(teams);
    });
  });
}

/** A recording stand-in for the cache, for what the adapter itself decides. */
function recordingStore(): QueryCacheStore & {
  sets: { key: string; value: unknown; ttl?: number; tags?: readonly string[] }[];
  invalidated: string[][];
} {
  const values = new Map<string, unknown>();
  const store = {
    sets: [] as { key: string; value: unknown; ttl?: number; tags?: readonly string[] }[],
    invalidated: [] as string[][],
    async get(key: string) {
      return values.get(key);
    },
    async set(key: string, value: unknown, options: { ttl?: number; tags?: readonly string[] }) {
      values.set(key, value);
      store.sets.push({ key, value, ...options });
    },
    async invalidateTags(tags: readonly string[]) {
      store.invalidated.push([...tags]);
    },
  };
  return store;
}

describe('Drizzle cache adapter', () => {
  const hash = 'ab'.repeat(32);

  it('tags a query with every table it read, and a named query with its name', async () => {
    const store = recordingStore();
    const cache = drizzleCache(store);
    await cache.put(hash, { rows: [1] }, ['teams', 'app.projects'], false);
    await cache.put('weekly report: team 12', { rows: [2] }, ['teams'], true);
    expect(store.sets.map((s) => s.tags)).toEqual([
      [tableTag('teams'), tableTag('app.projects')],
      [tableTag('teams'), 'weekly report: team 12'],
    ]);
    expect(await cache.get(hash, ['teams', 'app.projects'], false, true)).toEqual({ rows: [1] });
    expect(await cache.get('weekly report: team 12', ['teams'], true, true)).toEqual({ rows: [2] });
  });

  it('builds keys the cache accepts: no separator, no control characters, short', async () => {
    const store = recordingStore();
    const cache = drizzleCache(store);
    await cache.put(hash, [], ['teams'], false);
    await cache.put(hash, [], [], false);
    await cache.put(`tag:with\u0000control:${'x'.repeat(2_000)}`, [], ['teams'], true);
    const keys = store.sets.map((s) => s.key);
    expect(keys[0]).toBe(`q_${hash}`);
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(() => checkKey(key, DEFAULT_MAX_KEY_LENGTH)).not.toThrow();
  });

  it('turns Drizzle expiry options into a ttl, and skips a result already expired', async () => {
    const store = recordingStore();
    const clock = createFakeClock();
    const cache = drizzleCache(store, { ttl: 5_000, clock });
    for (const config of [
      undefined,
      {},
      { ex: 2 },
      { px: 1_500 },
      { pxat: clock.now() + 700 },
      { exat: clock.now() / 1000 + 3 },
    ]) {
      await cache.put(hash, [], ['t'], false, config);
    }
    expect(store.sets.map((s) => s.ttl)).toEqual([5_000, 5_000, 2_000, 1_500, 700, 3_000]);
    await cache.put(hash, [], ['t'], false, { pxat: clock.now() - 1 });
    expect(store.sets).toHaveLength(6);
    await drizzleCache(store).put(hash, [], ['t'], false);
    expect(store.sets[6]).not.toHaveProperty('ttl');
  });

  it('keeps plain data of a driver result and drops its functions', async () => {
    const store = recordingStore();
    const cache = drizzleCache(store);
    const result = { command: 'SELECT', rowCount: 1, rows: [[1, 'a']], fields: [{ name: 'id' }], _parsers: [() => 1] };
    await cache.put(hash, result, ['t'], false);
    expect(store.sets[0]?.value).toEqual({
      command: 'SELECT',
      rowCount: 1,
      rows: [[1, 'a']],
      fields: [{ name: 'id' }],
    });
  });

  it('invalidates table names, table objects and tags in one call, also when detached', async () => {
    const store = recordingStore();
    const cache = drizzleCache(store);
    const { onMutate } = cache;
    await onMutate({ tables: [teams, projects], tags: 'report' });
    await cache.onMutate({ tables: notes });
    await cache.onMutate({ tables: ['audit', 'app.audit'] });
    await cache.onMutate({});
    expect(store.invalidated).toEqual([
      ['report', tableTag(`teams_${RUN}`), tableTag(`projects_${RUN}`)],
      [tableTag('notes')],
      [tableTag('audit'), tableTag('app.audit')],
    ]);
  });

  it('answers from the database when the cache fails, and reports the failure', async () => {
    const failures: string[] = [];
    const broken: QueryCacheStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      invalidateTags: () => Promise.reject(new Error('down')),
    };
    const cache = drizzleCache(broken, { onError: (_error, op) => failures.push(op) });
    expect(await cache.get(hash, ['t'], false, true)).toBeUndefined();
    await expect(cache.put(hash, [], ['t'], false)).resolves.toBeUndefined();
    expect(failures).toEqual(['get', 'put']);
    await expect(cache.onMutate({ tables: 't' })).rejects.toThrow('down');
  });

  it('validates its options up front', () => {
    const store = recordingStore();
    expect(() => drizzleCache(store, { strategy: 'sometimes' as 'all' })).toThrow(/strategy/);
    expect(() => drizzleCache(store, { ttl: -1 })).toThrow(/ttl/);
    expect(() => drizzleCache({} as QueryCacheStore)).toThrow(/get\(\)/);
    expect(drizzleCache(store).strategy()).toBe('explicit');
    expect(drizzleCache(store, { strategy: 'all' }).strategy()).toBe('all');
  });

  it('accepts a real cache and its namespaces as the store', async () => {
    const cache = createCache({ tiers: [memoryTier()], sweepInterval: 0 });
    expect(new DrizzleQueryCache(cache)).toBeInstanceOf(DrizzleQueryCache);
    expect(new DrizzleQueryCache(cache.namespace('drizzle'))).toBeInstanceOf(DrizzleQueryCache);
    await cache.close();
  });
});
