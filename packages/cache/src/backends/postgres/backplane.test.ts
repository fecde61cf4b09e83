import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Cache, createCache } from '../../cache.ts';
import { CacheOptionsError } from '../../errors.ts';
import { memoryTier } from '../../tiers/memory.ts';
import { pgListener, postgresBackplane } from './index.ts';
import type { SqlClient } from './sql.ts';

const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('postgres backplane', () => {
  let pool: pg.Pool;
  const suffix = randomBytes(4).toString('hex');
  const table = `cache_entries_${suffix}`;
  const tagTable = `cache_tags_${suffix}`;
  const closers: (() => Promise<unknown>)[] = [];
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: URL });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await pool.query(`DROP TABLE IF EXISTS ${table}, ${tagTable}`);
    await pool.end();
  });

  async function instance(): Promise<{ cache: Cache; received: () => number }> {
    const parts = postgresBackplane({
      client: pool,
      listen: pgListener(() => new pg.Client({ connectionString: URL })),
      prefix: 'app:v1:',
      tier: { table },
      bus: { channel: `cache_bus_${suffix}` },
      tagStore: { table: tagTable },
    });
    await parts.init();
    const cache = createCache({
      tiers: [memoryTier(), parts.tier],
      bus: parts.bus,
      tagStore: parts.tagStore,
      tierDeadline: 5_000,
      sweepInterval: 0,
    });
    closers.push(() => cache.close());
    return { cache, received: () => parts.bus.stats.received };
  }

  it('wires tier, bus and tag store to one client; instances see each other', async () => {
    const one = await instance();
    const two = await instance();
    // Both listening: a message from one reaches two.
    await vi.waitFor(
      async () => {
        await one.cache.delete('warmup');
        expect(two.received()).toBeGreaterThan(0);
      },
      { timeout: 5_000 },
    );
    await one.cache.set('team_1', 'old', { tags: ['team:1'] });
    expect(await two.cache.get('team_1')).toBe('old');
    const before = two.received();
    await one.cache.invalidateTags(['team:1']);
    await vi.waitFor(() => expect(two.received()).toBeGreaterThan(before), { timeout: 5_000 });
    expect(await two.cache.get('team_1')).toBeUndefined();
    const { rows } = await pool.query<{ key: string }>(`SELECT key FROM ${table} ORDER BY key`);
    expect(rows.map((row) => row.key)).toEqual(['app:v1:team_1', 'app:v1:warmup']); // an entry and a delete's fence
  });

  it('listens inside PGlite by default, and needs a listener for node-postgres', () => {
    const pglite = { query: async () => ({ rows: [] }), listen: async () => async () => {} } as unknown as SqlClient;
    expect(postgresBackplane({ client: pglite }).bus).toBeDefined();
    expect(() => postgresBackplane({ client: pool })).toThrow(CacheOptionsError);
    const defaults = postgresBackplane({ client: pglite });
    expect([defaults.tier.table, defaults.tier.prefix, defaults.tagStore.table, defaults.bus.channel]).toEqual([
      'cache_entries',
      'cache:',
      'cache_tags',
      'cache_bus',
    ]);
  });
});
