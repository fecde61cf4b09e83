import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeRedisClient, createRedisClient, whenReady } from './client.ts';
import { type RedisLock, type RedisLockOptions, redisLock } from './lock.ts';

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

/** `count` lock instances, each on its own connection as if in its own process, sharing a namespace. */
async function locks(count: number, options: Partial<RedisLockOptions> = {}): Promise<RedisLock[]> {
  const namespace = `cache-test:${randomUUID()}`;
  const out: RedisLock[] = [];
  for (let i = 0; i < count; i++) {
    const lock = redisLock({
      client: await connect(),
      prefix: `${namespace}:`,
      ...options,
    });
    cleanups.push(() => lock.close());
    out.push(lock);
  }
  const admin = await connect();
  cleanups.push(async () => {
    for await (const keys of admin.scanStream({ match: `${namespace}:*` })) {
      if ((keys as string[]).length > 0) await admin.del(keys as string[]);
    }
  });
  return out;
}

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('redis lock', () => {
  it('of 20 concurrent acquires across 4 instances exactly one wins', async () => {
    const instances = await locks(4);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => instances[i % 4]!.acquire('team_12_metrics', 5_000)),
    );
    expect(results.filter((release) => release !== undefined)).toHaveLength(1);
    await results.find((release) => release !== undefined)!();
    expect(await instances[1]!.acquire('team_12_metrics', 5_000)).toBeDefined();
  });

  it('wakes waiters in every instance on release, by message (polling off)', async () => {
    const [holder, ...others] = await locks(4, { pollInterval: 60_000 });
    const release = await holder!.acquire('k', 10_000);
    expect(release).toBeDefined();
    await Promise.all(others.map((lock) => lock.ready())); // the waiters' release channel is subscribed
    const waits = others.flatMap((lock) => [lock.waitForRelease('k', 10_000), lock.waitForRelease('k', 10_000)]);
    await release!();
    const started = Date.now();
    expect(await Promise.all(waits)).toEqual(new Array(6).fill(true));
    // Well before the 10 s timeout and the 60 s poll: the release message woke them.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('frees waiters when a holder dies without releasing (its PX runs out)', async () => {
    const [holder, waiter] = await locks(2, { pollInterval: 50 });
    expect(await holder!.acquire('k', 200)).toBeDefined(); // never released
    const started = Date.now();
    expect(await waiter!.waitForRelease('k', 5_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(await waiter!.acquire('k', 1_000)).toBeDefined();
  });

  it('resolves false on timeout and leaves no timer behind', async () => {
    const [holder, waiter] = await locks(2, { pollInterval: 20 });
    await holder!.acquire('k', 10_000);
    await waiter!.waitForRelease('warm-up', 1_000); // opens the subscription outside the count
    const before = timers();
    expect(await waiter!.waitForRelease('k', 150)).toBe(false);
    expect(await Promise.all([waiter!.waitForRelease('k', 100), waiter!.waitForRelease('k', 120)])).toEqual([
      false,
      false,
    ]);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('resolves true at once when the key is not locked', async () => {
    const [lock] = await locks(1);
    expect(await lock!.waitForRelease('free', 5_000)).toBe(true);
  });

  it("a holder whose lock expired cannot release its successor's lock", async () => {
    const [first, second] = await locks(2, { pollInterval: 60_000 });
    const releaseFirst = await first!.acquire('k', 100);
    expect(releaseFirst).toBeDefined();
    // The second instance gets the lock once the first one's PX has run out in Redis.
    const releaseSecond = await vi.waitFor(
      async () => {
        const release = await second!.acquire('k', 10_000);
        if (!release) throw new Error('the first lock is still held');
        return release;
      },
      { timeout: 5_000, interval: 20 },
    );
    await releaseFirst!(); // too late: must not delete the second holder's lock
    expect(await first!.acquire('k', 10_000)).toBeUndefined();
    expect(await first!.waitForRelease('k', 100)).toBe(false);
    await releaseSecond!();
    expect(await first!.acquire('k', 10_000)).toBeDefined();
  });

  it('close() ends pending waits with false', async () => {
    const [holder, waiter] = await locks(2);
    await holder!.acquire('k', 10_000);
    const wait = waiter!.waitForRelease('k', 10_000);
    await waiter!.ready(); // the wait's release subscription is up: the wait is pending on it
    await waiter!.close();
    expect(await wait).toBe(false);
    expect(await waiter!.waitForRelease('k', 10_000)).toBe(false);
  });

  it('refuses a lock ttl that is not positive', async () => {
    const [lock] = await locks(1);
    await expect(lock!.acquire('k', 0)).rejects.toThrow(/positive/);
  });
});
