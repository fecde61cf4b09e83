import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Cache, createCache } from '../../cache.ts';
import { memoryTier } from '../../tiers/memory.ts';
import { type RedisBackplane, redisBackplane } from './backplane.ts';
import { closeRedisClient, createRedisClient, whenReady } from './client.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connect(): Promise<Redis> {
  const client = createRedisClient(REDIS_URL);
  client.on('error', () => {});
  await whenReady(client);
  cleanups.push(() => closeRedisClient(client));
  return client;
}

/** One instance: its own connection, a backplane on the shared prefix, and a two-tier cache. */
async function instance(prefix: string): Promise<{ cache: Cache; parts: RedisBackplane }> {
  const parts = redisBackplane({ client: await connect(), prefix });
  await parts.init();
  const cache = createCache({
    tiers: [memoryTier(), parts.tier],
    bus: parts.bus,
    tagStore: parts.tagStore,
    lock: parts.lock,
    tierDeadline: 2_000,
    sweepInterval: 0,
  });
  cleanups.push(() => cache.close());
  await vi.waitFor(() => expect(parts.bus.stats().subscribed).toBe(true), { timeout: 5_000 });
  return { cache, parts };
}

describe('redis backplane', () => {
  it('wires tier, bus, tag store and lock to one prefix, shared by every instance', async () => {
    const prefix = `cache-test:${randomUUID()}:`;
    const admin = await connect();
    cleanups.push(async () => {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(keys);
    });
    const one = await instance(prefix);
    const two = await instance(prefix);

    await one.cache.set('team_1', 'old', { tags: ['team:1'] });
    expect(await two.cache.get('team_1')).toBe('old'); // from L2, now in two's L1 as well
    await one.cache.invalidateTags(['team:1']);
    await vi.waitFor(() => expect(two.parts.bus.stats().received).toBeGreaterThan(0), { timeout: 2_000 });
    expect(await two.cache.get('team_1')).toBeUndefined();
    expect(two.parts.tagStore.invalidatedAt('team:1')).toBeGreaterThan(0);

    // A key named like a coordination structure stays apart from it.
    await one.cache.set('tags', 'a value');
    await one.cache.invalidateTags(['team:2']);
    expect(await two.cache.get('tags')).toBe('a value');
    expect(await admin.type(one.parts.tagStore.key)).toBe('hash');

    const release = await one.parts.lock.acquire('k', 5_000);
    expect(release).toBeDefined();
    expect(await two.parts.lock.acquire('k', 5_000)).toBeUndefined();
    await release!();

    const names = (await admin.keys(`${prefix}*`)).sort();
    expect(names).toEqual([`${prefix}:tags`, `${prefix}tags`, `${prefix}team_1`].sort());
    expect(one.parts.bus.channel).toBe(`${prefix}:bus`);
  });

  it('uses the neutral prefix by default', () => {
    const client = { get() {}, pipeline() {} } as unknown as Redis;
    const parts = redisBackplane({ client });
    expect(parts.tier.prefix).toBe('cache:');
    expect(parts.bus.channel).toBe('cache::bus');
    expect(parts.tagStore.key).toBe('cache::tags');
    expect(parts.lock.keyPrefix).toBe('cache::lock:');
  });
});
