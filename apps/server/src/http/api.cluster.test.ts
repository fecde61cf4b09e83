/**
 * The server with Redis Cluster as L2 (`REDIS_CLUSTER_NODES`): a 3-master
 * cluster started by the test on loopback ports, two API instances sharing it and one
 * PostgreSQL schema. Reads go L1 → cluster → origin, and a write on one instance reaches the
 * other through the bus on the cluster.
 */

import { createSimulator } from '@agiletrack/api-simulator';
import { type RedisTestCluster, startRedisCluster } from '@agiletrack/cache/testing/redis-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { how, until, untilAsync } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { connect, EXPECTED, sync } from '../testing/sync-helpers.ts';

const BASE_PORT = Number(process.env.REDIS_TEST_SERVER_CLUSTER_PORT ?? 7121);

describe('API on Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: RedisTestCluster;
  let one: TestServer;
  let two: TestServer;
  // Messages instance 1 sent before instance 2 listened are not instance 2's to receive.
  const baseline = { published: 0, received: 0 };
  const settled = () => {
    return until(
      () =>
        two.server.deps.serverCache.cache.stats().bus.received - baseline.received >=
        one.server.deps.serverCache.cache.stats().bus.published - baseline.published,
    );
  };

  beforeAll(async () => {
    cluster = await startRedisCluster({ basePort: BASE_PORT, masters: 3 });
    const env = { REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',') };
    one = await startTestServer('postgres', { env });
    two = await startTestServer('postgres', { join: one, env });
    // Instance 2 subscribes in the background: probe until one of instance 1's messages arrives.
    const cache1 = one.server.deps.serverCache.cache;
    const cache2 = two.server.deps.serverCache.cache;
    await untilAsync(
      async () => {
        await cache1.delete('probe');
        return cache2.stats().bus.received > 0;
      },
      30_000,
      'instance 2 hearing instance 1',
    );
    // Then a marker: instance 2 holds it in memory until instance 1's delete reaches it, and the
    // bus keeps one publisher's order, so every probe sent before it has landed by then.
    await cache2.set('marker', 1);
    await until(() => cache2.getSync('marker') === 1, 10_000, 'the marker in memory');
    await cache1.delete('marker');
    await until(() => cache2.getSync('marker') === undefined, 30_000, 'the marker dropped on instance 2');
    baseline.published = cache1.stats().bus.published;
    baseline.received = cache2.stats().bus.received;
  }, 60_000);

  afterAll(async () => {
    await two?.close();
    await one?.close();
    await cluster?.stop();
  });

  it('runs in the cluster mode', async () => {
    const health = await one.request({ method: 'GET', url: '/api/health', as: null });
    expect(health.json()).toMatchObject({ status: 'ok', mode: { cache: 'redis-cluster' }, checks: { redis: 'ok' } });
  });

  it('serves L1, then the cluster for the other instance, and invalidates on both', async () => {
    const url = `/api/teams/${one.ids.teamA}`;
    await one.request({ method: 'GET', url });
    expect(how(await one.request({ method: 'GET', url }))).toBe('HIT l1');
    await settled();
    expect(how(await two.request({ method: 'GET', url }))).toBe('HIT l2');
    expect(how(await two.request({ method: 'GET', url }))).toBe('HIT l1');

    const patch = await one.request({ method: 'PATCH', url, payload: { description: 'renamed on a cluster' } });
    expect(patch.statusCode).toBe(200);
    await settled();
    const after = await two.request({ method: 'GET', url });
    expect(after.json().team.description).toBe('renamed on a cluster');
  });

  it('keeps one team’s keys in one slot (hash tag) so its batch reads stay single-slot', async () => {
    const redis = one.server.deps.serverCache.redis!;
    const teamKey = `team_${one.ids.teamA}`;
    await one.request({ method: 'GET', url: `/api/teams/${one.ids.teamA}/integrations` });
    await one.request({ method: 'GET', url: `/api/teams/${one.ids.teamA}` });
    const slots = await Promise.all(
      [teamKey, `${teamKey}_integrations`].map((key) =>
        redis.call('CLUSTER', 'KEYSLOT', `${one.prefix}{${teamKey}}${key}`),
      ),
    );
    expect(slots[0]).toBe(slots[1]);
  });

  it('runs a sync as a BullMQ flow on the cluster (hash-tagged queue prefix)', async () => {
    const simulator = await createSimulator({ dataset: 'fixed' });
    try {
      const ids = await connect(one, simulator);
      const job = await sync(one, ids.jira);
      expect(job.state).toBe('completed');
      // Computed as of now, the fixed 2024 data set has nothing in the window; WIP is still counted.
      const metrics = await one.request({ method: 'GET', url: `/api/integrations/${ids.jira}/metrics`, as: 'alice' });
      expect(metrics.json().metrics.metrics.issueWorkInProgress).toBe(EXPECTED.jira.issueWorkInProgress);
    } finally {
      await simulator.close();
    }
  });
});
