/**
 * Bounded staleness without the bus: two instances share a PRIVATE redis-server (L2 and bus).
 * When it is killed or frozen, an instance stops serving local copies older than
 * `busDownL1Ttl`, so a value changed on the other instance is not served past that bound; when
 * Redis is back, the local tiers are dropped and the bus is healthy again.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisBus } from './backends/redis/bus.ts';
import { closeRedisClient, createRedisClient, redisTier } from './backends/redis/index.ts';
import { type Cache, createCache } from './cache.ts';
import { createFakeClock, type FakeClock } from './clock.ts';
import { type RedisTestServer, startRedisServer } from './testing/redis-cluster.ts';
import { memoryTier } from './tiers/memory.ts';

const BOUND = 1_000;
const noop = (): void => {};

describe('an instance whose bus is down keeps no stale local value beyond the bound', () => {
  let server: RedisTestServer;
  const open: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    server?.resume();
    await server?.stop();
  });
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });

  async function instance(clock: FakeClock, prefix: string): Promise<Cache> {
    const client: Redis = createRedisClient(server.url, { maxReconnectDelay: 50 });
    client.on('error', noop);
    open.push(() => closeRedisClient(client));
    const cache = createCache({
      tiers: [memoryTier(), redisTier({ client, prefix })],
      bus: redisBus({ client, prefix, heartbeatInterval: 100, heartbeatTimeout: 1_000 }),
      clock,
      busDownL1Ttl: BOUND,
      sweepInterval: 0,
    });
    open.push(() => cache.close());
    await cache.ready();
    return cache;
  }

  const health = (cache: Cache, healthy: boolean) =>
    new Promise<void>((resolve) => {
      const stop = cache.on('bus-health', (event) => {
        if (event.healthy !== healthy) return;
        stop();
        resolve();
      });
    });

  async function pair() {
    const clock = createFakeClock();
    const id = randomUUID();
    const one = await instance(clock, `${id}:`);
    const two = await instance(clock, `${id}:`);
    return { clock, one, two };
  }

  it('with Redis killed: the old value is served for at most the bound, then never', async () => {
    const { clock, one, two } = await pair();
    expect(await two.getOrSet('team_1', () => 'old')).toBe('old'); // in two's L1 and in L2
    expect(one.busHealthy && two.busHealthy).toBe(true);

    const down = health(two, false);
    await server.kill();
    await down;
    expect(two.busHealthy).toBe(false);
    await one.set('team_1', 'new'); // Redis is gone: the invalidation cannot reach two

    expect(await two.get('team_1')).toBe('old'); // its copy is younger than the bound
    clock.advance(BOUND);
    // Past the bound two no longer trusts its copy: L2 is down, so the source answers.
    expect(await two.get('team_1')).toBeUndefined();
    expect(await two.getOrSet('team_1', () => 'new')).toBe('new');
    expect(two.stats().bus).toMatchObject({ healthy: false, downs: 1 });

    const up = health(two, true);
    await server.restart();
    await up;
    expect(two.busHealthy).toBe(true);
    expect(two.getSync('team_1')).toBeUndefined(); // the gap dropped every local copy
    expect(two.stats().bus).toMatchObject({ healthy: true, downs: 1, gaps: 1 });
  });

  it('with Redis frozen: the late heartbeat marks the bus down, and its answer brings it back with a gap', async () => {
    const { clock, two } = await pair();
    await two.set('team_2', 'v');
    const events: string[] = [];
    two.on('bus-health', (event) => events.push(event.healthy ? 'up' : 'down'));
    two.on('bus-gap', () => events.push('gap'));

    const down = health(two, false);
    server.pause();
    try {
      await down;
      clock.advance(BOUND);
      expect(two.getSync('team_2')).toBeUndefined(); // older than the bound while the bus is down
    } finally {
      server.resume();
    }
    await health(two, true);
    expect(events).toEqual(['down', 'gap', 'up']);
  });
});
