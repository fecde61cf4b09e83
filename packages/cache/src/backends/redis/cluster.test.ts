import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeRedisClient, createRedisClient, whenReady } from './client.ts';
import { type RedisTestCluster, startRedisCluster } from '../../testing/redis-cluster.ts';
import type { BusMessage } from '../../types.ts';
import { redisBus } from './bus.ts';
import { redisLock } from './lock.ts';
import { redisTagStore } from './tag-store.ts';

// Not the tier suite's 7101-7103: test files run in parallel.
const BASE_PORT = Number(process.env.REDIS_TEST_BUS_CLUSTER_PORT ?? 7111);

describe('bus, lock and tag store on a Redis Cluster', () => {
  let cluster: RedisTestCluster;
  const clients: Cluster[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster({ basePort: BASE_PORT, masters: 3 });
    for (let i = 0; i < 2; i++) {
      const client = createRedisClient(cluster.nodes);
      client.on('error', () => {});
      await whenReady(client, 10_000);
      clients.push(client);
    }
  });

  afterAll(async () => {
    for (const client of clients) await closeRedisClient(client);
    await cluster?.stop();
  });

  it('the bus carries messages between two cluster clients', async () => {
    const prefix = `agiletrack:test:${randomUUID()}:`;
    const a = redisBus({ client: clients[0]!, prefix });
    const b = redisBus({ client: clients[1]!, prefix });
    const seen: BusMessage[] = [];
    try {
      await a.subscribe({ onMessage: () => {}, onGap: () => {} });
      await b.subscribe({ onMessage: (m) => seen.push(m), onGap: () => {} });
      await a.publish({ type: 'clear', prefix: 'team_' });
      await vi.waitFor(() => expect(seen).toEqual([{ type: 'clear', prefix: 'team_' }]), { timeout: 2_000 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('the lock excludes, releases and wakes waiters across cluster clients', async () => {
    const prefix = `agiletrack:test:${randomUUID()}:`;
    const first = redisLock({ client: clients[0]!, prefix, pollInterval: 60_000 });
    const second = redisLock({ client: clients[1]!, prefix, pollInterval: 60_000 });
    try {
      const results = await Promise.all([first.acquire('k', 5_000), second.acquire('k', 5_000)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const [release] = results.filter((r) => r !== undefined);
      const waiter = results[0] ? second : first;
      await waiter.ready();
      const wait = waiter.waitForRelease('k', 5_000);
      await release!();
      expect(await wait).toBe(true);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('the tag store shares stamps across cluster clients', async () => {
    const prefix = `agiletrack:test:${randomUUID()}:`;
    const key = redisTagStore({ client: clients[0]!, prefix }).key;
    try {
      await redisTagStore({ client: clients[0]!, prefix }).invalidate(['team:1'], 7);
      const other = redisTagStore({ client: clients[1]!, prefix });
      await other.init();
      expect(other.invalidatedAt('team:1')).toBe(7);
    } finally {
      await clients[0]!.del(key);
    }
  });
});
