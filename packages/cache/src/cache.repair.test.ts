/**
 * Bounded staleness whatever one instance's Redis tier does: instance A reaches the shared Redis
 * tier through a proxy that makes every call slower than its deadline (its breaker opens, its
 * deletes never land), while its bus works. A delete on A must still keep B from re-installing the
 * old value from Redis once B has the invalidation.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisBus } from './backends/redis/bus.ts';
import { closeRedisClient, createRedisClient, redisTier, whenReady } from './backends/redis/index.ts';
import { type Cache, createCache } from './cache.ts';
import { startTcpProxy, type TcpProxy } from './testing/tcp-proxy.ts';
import { memoryTier } from './tiers/memory.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const noop = (): void => {};

describe('a delete whose shared-tier part failed on the writer', () => {
  let proxy: TcpProxy;
  const open: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const { hostname, port } = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: hostname, port: Number(port || 6379) });
  });
  afterAll(async () => {
    for (const close of open.splice(0).reverse()) await close();
    await proxy?.close();
  });

  async function connect(url: string): Promise<Redis> {
    const client = createRedisClient(url);
    client.on('error', noop);
    await whenReady(client);
    open.push(() => closeRedisClient(client));
    return client;
  }

  /** An instance whose tier talks to Redis over `tierUrl` (its bus always directly). */
  async function instance(prefix: string, tierUrl: string, tierDeadline: number): Promise<Cache> {
    const cache = createCache({
      tiers: [memoryTier(), redisTier({ client: await connect(tierUrl), prefix })],
      bus: redisBus({ client: await connect(REDIS_URL), prefix }),
      tierDeadline,
      sweepInterval: 0,
    });
    open.push(() => cache.close());
    await cache.ready();
    return cache;
  }

  it('is applied to the shared tier by the receivers: no instance re-installs the old value', async () => {
    const prefix = `cache-test:${randomUUID()}:`;
    const a = await instance(prefix, `redis://127.0.0.1:${proxy.port}`, 50);
    const b = await instance(prefix, REDIS_URL, 5_000);
    let source = 'old';
    const load = async () => source;
    expect(await b.getOrSet('team_1', load)).toBe('old'); // in B's L1 and in Redis
    expect(await a.getOrSet('team_1', load)).toBe('old'); // read from Redis

    // A's Redis tier now answers later than its deadline: A's delete cannot reach Redis.
    proxy.delay(300);
    source = 'new';
    const received = b.stats().bus.received;
    await a.delete('team_1');
    expect(a.stats().tiers[1]!.timeouts).toBeGreaterThanOrEqual(1);
    await vi.waitFor(() => expect(b.stats().bus.received).toBeGreaterThan(received), { timeout: 5_000 });

    // B dropped its L1 copy; Redis still held the old value, but B must not serve or re-install it.
    expect(await b.getOrSet('team_1', load)).toBe('new');
    expect(await b.getOrSet('team_1', load)).toBe('new');
    expect(b.stats().tiers[1]!.mends).toBe(1);
    // The writer itself does not read the key from the tier its delete missed.
    expect(await a.getOrSet('team_1', load)).toBe('new');
    proxy.delay(0);
  });
});
