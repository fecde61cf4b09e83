import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { runBusConformance } from '../../testing/bus-conformance.ts';
import { runLockConformance } from '../../testing/lock-conformance.ts';
import { type RedisTestCluster, startRedisCluster } from '../../testing/redis-cluster.ts';
import { runTagStoreConformance } from '../../testing/tag-store-conformance.ts';
import { redisBus } from './bus.ts';
import { closeRedisClient, createRedisClient, whenReady } from './client.ts';
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

  const prefix = (): string => `cache-test:${randomUUID()}:`;

  runBusConformance('redis cluster', {
    create: () => {
      const shared = prefix();
      return {
        buses: [redisBus({ client: clients[0]!, prefix: shared }), redisBus({ client: clients[1]!, prefix: shared })],
      };
    },
  });

  runTagStoreConformance('redis cluster', {
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

  runLockConformance('redis cluster', {
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
});
