import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CacheTierTimeoutError } from '../../errors.ts';
import { type RedisTestServer, startRedisServer } from '../../testing/redis-cluster.ts';
import { redisBus } from './bus.ts';
import { closeRedisClient, createRedisClient, whenReady } from './client.ts';
import { redisLock } from './lock.ts';
import { redisTagStore } from './tag-store.ts';

// A frozen Redis (SIGSTOP) keeps its sockets open and never answers: no error ever arrives, so
// only a deadline ends the wait. A private server, never the shared one.
describe('bus, lock and tag store against a frozen Redis', () => {
  let server: RedisTestServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    client = createRedisClient(server.url);
    client.on('error', () => {});
    await whenReady(client);
  });

  afterAll(async () => {
    server?.resume();
    if (client) await closeRedisClient(client);
    await server?.stop();
  });

  async function frozen<T>(run: () => Promise<T>): Promise<T> {
    server.pause();
    try {
      return await run();
    } finally {
      server.resume();
    }
  }

  it('publish, acquire, release and invalidate reject with E_CACHE_TIER_TIMEOUT instead of waiting', async () => {
    const bus = redisBus({ client, prefix: 'frozen:', publishTimeout: 100 });
    const lock = redisLock({ client, prefix: 'frozen:', timeout: 100 });
    const tags = redisTagStore({ client, prefix: 'frozen:', timeout: 100 });
    const release = await lock.acquire('held', 10_000);
    await frozen(async () => {
      const started = Date.now();
      const outcomes = await Promise.allSettled([
        bus.publish({ type: 'delete', keys: ['k'] }),
        lock.acquire('k', 1_000),
        release!(),
        tags.invalidate(['team:1'], 5),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(CacheTierTimeoutError);
      }
      expect(Date.now() - started).toBeLessThan(1_000);
    });
    expect(tags.invalidatedAt('team:1')).toBe(5); // recorded locally all the same
    await bus.close();
    await lock.close();
  });

  it('a lock taken late, after its acquire timed out, is freed rather than left to its PX', async () => {
    const lock = redisLock({ client, prefix: 'orphan:', timeout: 100 });
    await frozen(async () => {
      await expect(lock.acquire('k', 60_000)).rejects.toBeInstanceOf(CacheTierTimeoutError);
    });
    // Redis now runs the queued SET NX (it succeeds), and the lock deletes it again.
    await vi.waitFor(async () => expect(await client.exists(`${lock.keyPrefix}k`)).toBe(0), { timeout: 2_000 });
    expect(await lock.acquire('k', 1_000)).toBeDefined();
    await lock.close();
  });

  it('a wait for a lock held elsewhere ends, unreleased, while Redis is still frozen', async () => {
    const holder = redisLock({ client, prefix: 'held-elsewhere:', timeout: 100 });
    const waiterClient = createRedisClient(server.url);
    waiterClient.on('error', () => {});
    await whenReady(waiterClient);
    const waiter = redisLock({ client: waiterClient, prefix: 'held-elsewhere:', timeout: 100 });
    await holder.acquire('k', 60_000);
    expect(await waiter.acquire('k', 60_000)).toBeUndefined();
    // Far longer than the test may run: only the check's deadline can end this wait in time.
    const waited = await frozen(() => waiter.waitForRelease('k', 600_000));
    expect(waited).toBe(false);
    await holder.close();
    await waiter.close();
    await closeRedisClient(waiterClient);
  });

  it('waitForRelease still ends at its timeout', async () => {
    const lock = redisLock({ client, prefix: 'wait:', pollInterval: 20 });
    await lock.acquire('k', 10_000);
    await frozen(async () => {
      expect(await lock.waitForRelease('k', 200)).toBe(false);
    });
    await lock.close();
  });
});
