/**
 * Two instances share a Postgres-table L2 (PGlite) and no bus: a slow reader on one cannot put
 * the old value back after a writer on the other invalidated the key — the fence refuses it.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTier } from './backends/postgres/tier.ts';
import { createCache } from './cache.ts';
import { memoryTier } from './tiers/memory.ts';

describe('fenced refresh writes across instances (no bus)', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });

  const instance = () =>
    createCache({
      tiers: [memoryTier(), postgresTier({ client: db, table: 'fence_test' })],
      tierDeadline: 5_000,
      sweepInterval: 0,
    });

  it('refuses the slow reader’s old value in L2 and takes back its local copy', async () => {
    const reader = instance();
    const writer = instance();
    let release!: (value: string) => void;
    const sourceRead = new Promise<string>((resolve) => {
      release = resolve;
    });
    let reading!: () => void;
    const readStarted = new Promise<void>((resolve) => {
      reading = resolve;
    });
    const slow = reader.getOrSet('team_1', () => {
      reading();
      return sourceRead; // read the source: old data
    });
    await readStarted; // the reader missed both tiers and is in its factory
    await writer.delete('team_1'); // the write committed, then invalidated (fence in L2)
    release('old');
    expect(await slow).toBe('old'); // its own caller may see it: its read began before the write
    expect(reader.stats().tiers[1]!.fencedWrites).toBe(1);
    expect(await reader.get('team_1')).toBeUndefined(); // not in its L1 either
    expect(await writer.get('team_1')).toBeUndefined();
    // The next reader reads the source after the write: its value is stored.
    expect(await writer.getOrSet('team_1', async () => 'new')).toBe('new');
    expect(await reader.get('team_1')).toBe('new');
    await reader.close();
    await writer.close();
  });
});
