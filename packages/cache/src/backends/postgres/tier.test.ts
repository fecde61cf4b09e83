import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from '../../clock.ts';
import { aesGcmEncryptor, generateEncryptionKey } from '../../codec/encryption.ts';
import { createEntryCodec } from '../../codec/entry-codec.ts';
import { CacheEntryTooLargeError, CacheOptionsError } from '../../errors.ts';
import { attachForTest, runTierConformance } from '../../testing/index.ts';
import type { Entry } from '../../types.ts';
import { escapeLike, type SqlClient } from './sql.ts';
import { type PostgresTier, type PostgresTierOptions, postgresTier } from './tier.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN = randomUUID().replaceAll('-', '').slice(0, 12);

const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 });
let pglite: PGlite | undefined;
const tablesOnServer = new Set<string>();

// PGlite's first start (WebAssembly, initdb) takes seconds, and far longer on a loaded machine:
// it gets its own limit here rather than eating the first test's.
beforeAll(async () => {
  pglite = await PGlite.create();
}, 120_000);

afterAll(async () => {
  for (const table of tablesOnServer) await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
  await pglite?.close();
});

interface Backend {
  name: string;
  /** A client; the same one for the whole file. */
  client(): SqlClient;
  /** A table name private to this file run (and to `label`). */
  table(label?: string): string;
}

const server: Backend = {
  name: 'postgres',
  client: () => pool,
  table(label = 'main') {
    const table = `cache_test_test_${RUN}_${label}`;
    tablesOnServer.add(table);
    return table;
  },
};

const embedded: Backend = {
  name: 'pglite',
  client: () => pglite!,
  table: (label = 'main') => `cache_test_${label}`,
};

let prefixes = 0;
const uniquePrefix = () => `test:${RUN}:${++prefixes}:`;

function tierOn(backend: Backend, options: Partial<PostgresTierOptions> = {}): PostgresTier {
  return postgresTier({ client: backend.client(), table: backend.table(), prefix: uniquePrefix(), ...options });
}

function entryAt(now: number, value: unknown, ttl = 60_000, extra: Partial<Entry> = {}): Entry {
  return { value, createdAt: now, expiresAt: now + ttl, staleUntil: now + ttl, ...extra };
}

/** Counts statements sent through a client. */
function counting(client: SqlClient): SqlClient & { count: number; texts: string[] } {
  const counter = {
    count: 0,
    texts: [] as string[],
    query(text: string, params?: unknown[]) {
      counter.count++;
      counter.texts.push(text);
      return client.query(text, params);
    },
  };
  return counter;
}

for (const backend of [server, embedded]) {
  runTierConformance(backend.name, {
    create: async () => {
      const tier = tierOn(backend);
      await tier.ensureSchema();
      return { ...attachForTest(tier), cleanup: () => tier.clear() };
    },
    // Writes straight into the table, behind the tier's back.
    corrupt: async (setup, key, raw) => {
      const tier = setup.tier as PostgresTier;
      await backend
        .client()
        .query(
          `INSERT INTO ${tier.table} (key, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [tier.prefix + key, raw, Number.MAX_SAFE_INTEGER],
        );
    },
  });

  describe(`postgres tier on ${backend.name}`, () => {
    it('creates the table once when several processes start together', async () => {
      const table = backend.table('concurrent');
      // Separate tier objects, as separate processes would be; on the server each statement
      // may run on its own pooled connection.
      const tiers = Array.from({ length: 6 }, () => postgresTier({ client: backend.client(), table }));
      await Promise.all(tiers.map((tier) => tier.ensureSchema()));
      await tiers[0]!.ensureSchema();
      const { rows } = await backend.client().query(
        `SELECT c.relpersistence, (SELECT count(*)::int FROM pg_index i WHERE i.indrelid = c.oid) AS indexes
           FROM pg_class c WHERE c.relname = $1 AND c.relkind = 'r'`,
        [table],
      );
      expect(rows).toEqual([{ relpersistence: 'u', indexes: 2 }]);
      if (backend === embedded) await backend.client().query(`DROP TABLE ${table}`);
    });

    it('creates the table on first use, without an explicit ensureSchema()', async () => {
      const table = backend.table('lazy');
      const { tier, clock } = attachForTest(postgresTier({ client: backend.client(), table, unlogged: false }));
      await tier.set('k', entryAt(clock.now(), 'v'), 60_000);
      expect((await tier.get('k'))?.value).toBe('v');
      const { rows } = await backend.client().query('SELECT relpersistence FROM pg_class WHERE relname = $1', [table]);
      expect(rows).toEqual([{ relpersistence: 'p' }]);
      if (backend === embedded) await backend.client().query(`DROP TABLE ${table}`);
    });

    it('reads and writes 100 keys in one statement each', async () => {
      const client = counting(backend.client());
      const { tier, clock } = attachForTest(tierOn(backend, { client }));
      await tier.ensureSchema();
      client.count = 0;
      const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
      await tier.setMany(keys.map((key, i) => ({ key, entry: entryAt(clock.now(), i), ttl: 60_000 })));
      expect(client.count).toBe(1);
      const got = await tier.getMany([...keys].reverse());
      expect(client.count).toBe(2);
      expect(got.map((e) => e?.value)).toEqual(keys.map((_, i) => i).reverse());
      expect(await tier.deleteMany(keys)).toBe(100);
      expect(client.count).toBe(3);
    });

    it('keeps the last item when setMany names a key twice', async () => {
      const { tier, clock } = attachForTest(tierOn(backend));
      await tier.setMany([
        { key: 'k', entry: entryAt(clock.now(), 'first'), ttl: 60_000 },
        { key: 'k', entry: entryAt(clock.now(), 'second'), ttl: 60_000 },
      ]);
      expect((await tier.get('k'))?.value).toBe('second');
      await tier.clear();
    });

    it('prune removes only expired rows, and only its own', async () => {
      const clock = createFakeClock();
      const { tier } = attachForTest(tierOn(backend), clock);
      const { tier: neighbour } = attachForTest(tierOn(backend), clock);
      const now = clock.now();
      await tier.setMany([
        { key: 'old1', entry: entryAt(now, 1), ttl: 1_000 },
        { key: 'old2', entry: entryAt(now, 2, 2_000), ttl: 60_000 },
        { key: 'live', entry: entryAt(now, 3), ttl: 60_000 },
      ]);
      await neighbour.set('old', entryAt(now, 4), 1_000);
      clock.advance(2_000);
      expect(await tier.prune()).toBe(2);
      expect(await tier.prune()).toBe(0);
      const { rows } = await backend
        .client()
        .query(`SELECT key FROM ${tier.table} WHERE key LIKE $1 OR key LIKE $2 ORDER BY key`, [
          `${escapeLike(tier.prefix)}%`,
          `${escapeLike(neighbour.prefix)}%`,
        ]);
      expect(rows).toEqual([{ key: `${tier.prefix}live` }, { key: `${neighbour.prefix}old` }]);
      expect(tier.stats().entries).toBe(1);
      await neighbour.clear();
      await tier.clear();
    });

    it('stores keys that look like SQL, and LIKE wildcards in prefixes match only themselves', async () => {
      const { tier, clock } = attachForTest(tierOn(backend));
      const keys = ["'; drop table x; --", 'a%b', 'a_b', 'axb', 'a\\b', '"quoted"', 'a$1'];
      for (const key of keys) await tier.set(key, entryAt(clock.now(), key), 60_000);
      for (const key of keys) expect((await tier.get(key))?.value).toBe(key);
      expect(await tier.keys('a%')).toEqual(['a%b']);
      expect(await tier.keys('a\\')).toEqual(['a\\b']);
      expect(await tier.clear('a_')).toBe(1);
      expect((await tier.keys()).sort()).toEqual(
        ["'; drop table x; --", '"quoted"', 'a$1', 'a%b', 'a\\b', 'axb'].sort(),
      );
      await tier.clear();
    });

    it('shares the table between prefixes without seeing the other prefix', async () => {
      const { tier: a, clock } = attachForTest(tierOn(backend));
      const { tier: b } = attachForTest(tierOn(backend), clock);
      await a.set('k', entryAt(clock.now(), 'a'), 60_000);
      await b.set('k', entryAt(clock.now(), 'b'), 60_000);
      expect((await a.get('k'))?.value).toBe('a');
      expect(await b.clear()).toBe(1);
      expect((await a.get('k'))?.value).toBe('a');
      expect(await b.keys()).toEqual([]);
      await a.clear();
    });

    it('counts rows written by other instances at info()', async () => {
      const keyPrefix = uniquePrefix();
      const { tier: mine, clock } = attachForTest(tierOn(backend, { prefix: keyPrefix }));
      const { tier: theirs } = attachForTest(tierOn(backend, { prefix: keyPrefix }), clock);
      await mine.set('a', entryAt(clock.now(), 1), 60_000);
      await mine.set('a', entryAt(clock.now(), 2), 60_000);
      expect(mine.stats().entries).toBe(1);
      await theirs.setMany(['b', 'c'].map((key) => ({ key, entry: entryAt(clock.now(), key), ttl: 60_000 })));
      expect(mine.stats().entries).toBe(1);
      const info = await mine.info();
      expect(info.entries).toBe(3);
      expect(info.bytes).toBeGreaterThan(0);
      await mine.clear();
      expect(mine.stats().entries).toBe(0);
    });

    it('stores sensitive entries encrypted, and reads them with the wrong key as a counted miss', async () => {
      const keyPrefix = uniquePrefix();
      const clock = createFakeClock();
      const tier = tierOn(backend, { prefix: keyPrefix });
      const encryptor = aesGcmEncryptor({ keys: [{ id: 'k1', key: generateEncryptionKey() }] });
      tier.attach({ clock, codec: createEntryCodec({ encryptor }) });
      await tier.set('secret', entryAt(clock.now(), { token: 'hunter2' }, 60_000, { sensitive: true }), 60_000);
      expect((await tier.get('secret'))?.value).toEqual({ token: 'hunter2' });
      const { rows } = await backend
        .client()
        .query(`SELECT value FROM ${tier.table} WHERE key = $1`, [`${keyPrefix}secret`]);
      expect(JSON.stringify(rows)).not.toContain('hunter2');

      const other = tierOn(backend, { prefix: keyPrefix });
      const wrong = aesGcmEncryptor({ keys: [{ id: 'k1', key: generateEncryptionKey() }] });
      other.attach({ clock, codec: createEntryCodec({ encryptor: wrong }) });
      expect(await other.get('secret')).toBeUndefined();
      expect(other.stats().corrupt).toBe(1);
      expect(await other.keys()).toEqual([]);
    });

    it('refuses an entry above maxEntrySize before writing anything', async () => {
      const client = counting(backend.client());
      const { tier, clock } = attachForTest(tierOn(backend, { client, maxEntrySize: 1_000 }));
      await tier.ensureSchema();
      client.count = 0;
      const items = [
        { key: 'small', entry: entryAt(clock.now(), 'x'), ttl: 60_000 },
        // Random text, so compression cannot bring it under the limit.
        {
          key: 'big',
          entry: entryAt(
            clock.now(),
            Array.from({ length: 200 }, () => randomUUID()),
          ),
          ttl: 60_000,
        },
      ];
      await expect(tier.setMany(items)).rejects.toThrow(CacheEntryTooLargeError);
      expect(client.count).toBe(0);
    });
  });
}

describe('postgres tier', () => {
  it('rejects when the database cannot be reached, so the cache can count the failure', async () => {
    const unreachable = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    try {
      const { tier, clock } = attachForTest(postgresTier({ client: unreachable, createTable: false }));
      await expect(tier.get('k')).rejects.toThrow(/ECONNREFUSED|connect/);
      await expect(tier.set('k', entryAt(clock.now(), 1), 1_000)).rejects.toThrow();
    } finally {
      await unreachable.end();
    }
  });

  it('retries ensureSchema after a failure', async () => {
    let fail = true;
    const client: SqlClient = {
      query: async (text, params) => {
        if (fail) throw new Error('database starting up');
        return embedded.client().query(text, params);
      },
    };
    const tier = postgresTier({ client, table: embedded.table('retry') });
    await expect(tier.ensureSchema()).rejects.toThrow('database starting up');
    fail = false;
    await expect(tier.ensureSchema()).resolves.toBeUndefined();
  });

  it('validates its options up front', () => {
    const client = embedded.client();
    for (const table of ['', 'Bad', 'x;drop table y', '"q"', 'a.b.c', 'a-b', `t${'x'.repeat(60)}`, '1abc']) {
      expect(() => postgresTier({ client, table }), table).toThrow(CacheOptionsError);
    }
    expect(() => postgresTier({ client, table: 'cache.entries' })).not.toThrow();
    expect(() => postgresTier({ client, prefix: 'a\nb' })).toThrow(CacheOptionsError);
    expect(() => postgresTier({ client, ttl: 0 })).toThrow(CacheOptionsError);
    expect(() => postgresTier({} as PostgresTierOptions)).toThrow(/client/);
  });
});
