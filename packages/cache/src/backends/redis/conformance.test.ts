/**
 * The shared suites for buses, tag stores and locks, run against a real Redis (the Redis Cluster
 * run is in cluster.test.ts, which starts the cluster). Each setup has its own prefix.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { runBusConformance } from '../../testing/bus-conformance.ts';
import { runLockConformance } from '../../testing/lock-conformance.ts';
import { runTagStoreConformance } from '../../testing/tag-store-conformance.ts';
import { redisBus } from './bus.ts';
import { closeRedisClient, createRedisClient, type RedisClient, whenReady } from './client.ts';
import { redisLock } from './lock.ts';
import { redisTagStore } from './tag-store.ts';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: RedisClient[] = [];

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const client = createRedisClient(URL);
    await whenReady(client);
    clients.push(client);
  }
});

afterAll(async () => {
  for (const client of clients.splice(0)) await closeRedisClient(client);
});

const prefix = (): string => `cache-test:${randomUUID()}:`;

runBusConformance('redis', {
  create: () => {
    const shared = prefix();
    return {
      buses: [redisBus({ client: clients[0]!, prefix: shared }), redisBus({ client: clients[1]!, prefix: shared })],
    };
  },
});

runTagStoreConformance('redis', {
  create: async () => {
    const shared = prefix();
    const stores = [
      redisTagStore({ client: clients[0]!, prefix: shared }),
      redisTagStore({ client: clients[1]!, prefix: shared }),
    ] as const;
    for (const store of stores) await store.init();
    return { stores, cleanup: () => clients[0]!.del(stores[0].key) };
  },
});

runLockConformance('redis', {
  create: () => {
    const shared = prefix();
    return {
      locks: [
        redisLock({ client: clients[0]!, prefix: shared, pollInterval: 50 }),
        redisLock({ client: clients[1]!, prefix: shared, pollInterval: 50 }),
      ],
    };
  },
});
