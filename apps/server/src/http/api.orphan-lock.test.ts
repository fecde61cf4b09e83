/**
 * A stampede lock nobody will release (its holder died mid-load, or the answer to its SET NX was
 * lost so nobody knows its token) stays in Redis until it expires. A read of that key answers
 * before then: the server waits for another holder about a second, then loads without the lock.
 */
import { redisLock } from '@agiletrack/cache/redis';
import { cacheKeys } from '@agiletrack/domain';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_REDIS_URL, type TestServer } from '../testing/harness.ts';

/** How long the server's locks are held at most (the cache's `lockTtl`). */
const LOCK_TTL_MS = 10_000;

describe('a stampede lock nobody will release', () => {
  let t: TestServer;
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestServer('redis');
    redis = new Redis(TEST_REDIS_URL);
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
  });

  it('does not hold up a read of its key until it expires', async () => {
    const key = cacheKeys.team(t.ids.teamA);
    const { cache } = t.server.deps.serverCache;
    await cache.delete(key);
    // Another instance took the lock and is gone.
    const gone = redisLock({ client: redis, prefix: t.prefix });
    expect(await gone.acquire(key, LOCK_TTL_MS)).toBeDefined();
    const before = cache.stats().getOrSet;

    const response = await t.request({ method: 'GET', url: `/api/teams/${t.ids.teamA}` });
    expect(response.statusCode, response.body).toBe(200);
    // Answered while the orphan still stands: the read did not wait it out.
    expect(await redis.exists(`${gone.keyPrefix}${key}`)).toBe(1);
    const after = cache.stats().getOrSet;
    expect(after.lockWaits - before.lockWaits).toBe(1);
    expect(after.lockTakeovers - before.lockTakeovers).toBe(1);
    await gone.close();
  }, 60_000);
});
