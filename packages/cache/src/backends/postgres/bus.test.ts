/**
 * The PostgreSQL bus and tag store against real PostgreSQL (and the bus inside PGlite): messages
 * reach other instances and never come back to their sender, large key lists are split, a
 * dropped listener reports a gap once it is back, and tag stamps are shared.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../../cache.ts';
import { memoryTier } from '../../tiers/memory.ts';
import type { BusMessage } from '../../types.ts';
import { postgresBus } from './bus.ts';
import { pgListener, pgliteListener } from './listener.ts';
import { postgresTagStore } from './tag-store.ts';
import { postgresTier } from './tier.ts';

const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('postgres bus and tag store (PostgreSQL)', () => {
  let pool: pg.Pool;
  const channel = `cache_test_${randomBytes(4).toString('hex')}`;
  const table = `cache_tags_${randomBytes(4).toString('hex')}`;
  const closers: (() => Promise<unknown>)[] = [];
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: URL });
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  function bus() {
    const b = postgresBus({
      client: pool,
      listen: pgListener(() => new pg.Client({ connectionString: URL })),
      channel,
    });
    closers.push(() => b.close());
    return b;
  }

  it('delivers to other instances, not back to the sender, and splits large key lists', async () => {
    const a = bus();
    const b = bus();
    const gotA: BusMessage[] = [];
    const gotB: BusMessage[] = [];
    await a.subscribe({ onMessage: (m) => gotA.push(m), onGap: () => {} });
    await b.subscribe({ onMessage: (m) => gotB.push(m), onGap: () => {} });
    await a.publish({ type: 'tags', tags: ['team:1'], at: 123.5 });
    const keys = Array.from({ length: 2_000 }, (_, i) => `team_${i}_integrations`);
    await a.publish({ type: 'delete', keys });
    await until(() => gotB.flatMap((m) => (m.type === 'delete' ? m.keys : [])).length === keys.length);
    expect(gotB[0]).toEqual({ type: 'tags', tags: ['team:1'], at: 123.5 });
    expect(gotB.filter((m) => m.type === 'delete').length).toBeGreaterThan(1); // split under 8000 bytes
    expect(gotA).toEqual([]);
    expect(a.stats.ignoredOwn).toBeGreaterThan(0);
  });

  it('reports a gap after its listening connection was killed, and keeps receiving', async () => {
    const a = bus();
    const b = bus();
    let gaps = 0;
    const got: BusMessage[] = [];
    await b.subscribe({ onMessage: (m) => got.push(m), onGap: () => gaps++ });
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query ILIKE $1`,
      [`LISTEN "${channel}"%`],
    );
    await until(() => gaps > 0);
    await a.publish({ type: 'clear', prefix: 'team_' });
    await until(() => got.length > 0);
    expect(got).toEqual([{ type: 'clear', prefix: 'team_' }]);
  });

  it('shares tag stamps through the table, keeping the latest', async () => {
    const one = postgresTagStore({ client: pool, table });
    const two = postgresTagStore({ client: pool, table });
    await one.init();
    await one.invalidate(['team:7'], 2_000);
    await two.invalidate(['team:7'], 1_000); // older: must not move the stored stamp back
    const three = postgresTagStore({ client: pool, table });
    await three.init();
    expect(three.invalidatedAt('team:7')).toBe(2_000);
    expect(three.invalidatedAt('never')).toBeUndefined();
  });

  it('prunes old stamps from the table', async () => {
    const store = postgresTagStore({ client: pool, table });
    await store.invalidate(['prune:old'], 10);
    await store.invalidate(['prune:new'], 1e15);
    expect(await store.prune(100)).toBeGreaterThanOrEqual(1);
    const fresh = postgresTagStore({ client: pool, table });
    await fresh.init();
    expect(fresh.invalidatedAt('prune:old')).toBeUndefined();
    expect(fresh.invalidatedAt('prune:new')).toBe(1e15);
  });

  it('evicts the L1 copy on another instance when a key is deleted (cache end to end)', async () => {
    const tierTable = `cache_test_${randomBytes(4).toString('hex')}`;
    closers.push(() => pool.query(`DROP TABLE IF EXISTS ${tierTable}`));
    const make = () => {
      const cache = createCache({
        tiers: [memoryTier(), postgresTier({ client: pool, table: tierTable })],
        bus: postgresBus({ client: pool, listen: pgListener(() => new pg.Client({ connectionString: URL })), channel }),
        tagStore: postgresTagStore({ client: pool, table }),
        tierDeadline: 5_000,
        sweepInterval: 0,
      });
      closers.push(() => cache.close());
      return cache;
    };
    const one = make();
    const two = make();
    await Promise.all([one.ready(), two.ready()]); // both listening
    await one.set('team_1', 'old', { tags: ['team:1'] });
    expect(await two.get('team_1')).toBe('old'); // now in two's L1
    await one.set('team_1', 'new', { tags: ['team:1'] });
    // Every message one sent (its two sets) has reached two.
    await until(() => two.stats().bus.received >= one.stats().bus.published);
    expect(await two.get('team_1')).toBe('new');
    await one.invalidateTags(['team:1']);
    await until(() => two.stats().bus.received >= one.stats().bus.published);
    expect(await two.get('team_1')).toBeUndefined();
  });
});

describe('postgres bus inside PGlite', () => {
  let db: PGlite;
  // PGlite's first start is slow on a loaded machine: it gets its own limit.
  beforeAll(async () => {
    db = await PGlite.create();
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });

  it('delivers between two buses on one embedded database', async () => {
    const a = postgresBus({ client: db, listen: pgliteListener(db) });
    const b = postgresBus({ client: db, listen: pgliteListener(db) });
    const got: BusMessage[] = [];
    await a.subscribe({ onMessage: () => {}, onGap: () => {} });
    await b.subscribe({ onMessage: (m) => got.push(m), onGap: () => {} });
    await a.publish({ type: 'delete', keys: ['teams'] });
    await until(() => got.length > 0);
    expect(got).toEqual([{ type: 'delete', keys: ['teams'] }]);
    await a.close();
    await b.close();
  });
});
