/**
 * A lock whose holder will never release it (the process died mid-load, or its SET NX landed but
 * the answer was lost, so nobody knows the token) stays in Redis until its TTL. A reader of that
 * key waits `lockWait`, then loads without the lock, instead of waiting out the TTL (10 s by
 * default: as long as a client's whole patience).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createCache } from '../../cache.ts';
import { memoryTier } from '../../tiers/memory.ts';
import { closeRedisClient, createRedisClient, whenReady } from './client.ts';
import { redisLock } from './lock.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function lockOn(prefix: string) {
  const client = createRedisClient(REDIS_URL);
  client.on('error', () => {});
  await whenReady(client);
  const lock = redisLock({ client, prefix });
  cleanups.push(async () => {
    await lock.close();
    await client.del(`${lock.keyPrefix}team_2`);
    await closeRedisClient(client);
  });
  return lock;
}

describe('a lock nobody will release', () => {
  it('is waited for lockWait, not lockTtl: the reader loads without it', async () => {
    const prefix = `cache-test:${randomUUID()}:`;
    // The holder took the lock for a minute and is gone.
    const orphan = await (await lockOn(prefix)).acquire('team_2', 60_000);
    expect(orphan).toBeDefined();
    const cache = createCache({
      tiers: [memoryTier()],
      lock: await lockOn(prefix),
      lockByDefault: true,
      lockTtl: 60_000,
      lockWait: 200,
      sweepInterval: 0,
    });
    cleanups.push(() => cache.close());
    // Without a bound this would wait the holder's minute (past the test's timeout).
    expect(await cache.getOrSet('team_2', () => 'Mobile v2')).toBe('Mobile v2');
    expect(cache.stats().getOrSet).toMatchObject({ lockWaits: 1, lockTakeovers: 1, factoryCalls: 1 });
  });

  it('takes a positive lockWait only', () => {
    expect(() => createCache({ tiers: [memoryTier()], lockWait: 0 })).toThrow(/lockWait/);
  });
});
