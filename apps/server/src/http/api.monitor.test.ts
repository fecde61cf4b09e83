/**
 * The live cache monitor across two instances in Redis mode: an operation on instance 2 reaches a
 * stream opened on instance 1 with its family, tier and outcome; while nobody watches, no
 * monitor message is published on the bus (counted by a subscriber on the bus channel).
 */
import type { CacheOp } from '@agiletrack/domain';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, until } from '../testing/api-helpers.ts';
import { startTestServer, TEST_REDIS_URL, type TestServer } from '../testing/harness.ts';
import { openTestStream } from '../testing/sse.ts';

describe('cache monitor (two instances, redis)', () => {
  let one: TestServer;
  let two: TestServer;
  let baseUrl: string;
  let counter: Redis;
  const monitorMessages: string[] = [];

  beforeAll(async () => {
    one = await startTestServer('redis');
    two = await startTestServer('redis', { join: one });
    baseUrl = await one.server.app.listen({ port: 0, host: '127.0.0.1' });
    // Every PUBLISH on the bus channel reaches this subscriber: count the monitor's.
    counter = new Redis(TEST_REDIS_URL);
    counter.on('message', (_channel: string, text: string) => {
      const topic = (JSON.parse(text) as { topic?: string }).topic;
      if (topic?.startsWith('monitor.')) monitorMessages.push(topic);
    });
    await counter.subscribe(`${one.prefix}:bus`);
  });
  afterAll(async () => {
    await counter?.quit();
    await two?.close();
    await one?.close();
  });

  const admin = () => ({ authorization: `Bearer ${one.tokens.admin}` });
  const readMetrics = (t: TestServer) =>
    t.request({ method: 'GET', url: `/api/teams/${one.ids.teamA}/metrics`, headers: { 'cache-control': 'no-cache' } });

  it('publishes nothing and taps nothing while nobody watches', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await readMetrics(two)).statusCode).toBe(200);
      expect((await one.request({ method: 'GET', url: `/api/teams/${one.ids.teamA}` })).statusCode).toBe(200);
    }
    // A marker published after the reads: once it arrives, anything the reads published has too.
    await one.server.deps.serverCache.topics!.publishTopic('monitor.marker', {});
    await until(() => monitorMessages.includes('monitor.marker'), 5_000, 'the marker');
    expect(monitorMessages).toEqual(['monitor.marker']);
    expect(one.server.deps.ops.monitor.capturing).toBe(false);
    expect(two.server.deps.ops.monitor.capturing).toBe(false);
    // Nobody listens to the cache's operation events: it neither times nor builds them.
    expect(two.server.deps.ops.tap.attached).toBe(false);
  });

  it("streams instance 2's operations to a watcher on instance 1 within a second, filtered", async () => {
    const all = await openTestStream(`${baseUrl}/api/admin/cache/monitor`, admin());
    const loads = await openTestStream(
      `${baseUrl}/api/admin/cache/monitor?family=team_metrics&outcome=bypass`,
      admin(),
    );
    try {
      expect(all.status).toBe(200);
      await all.next((e) => e.event === 'ready');
      await until(
        () => two.server.deps.ops.monitor.stats().remoteWatchers === 1,
        5_000,
        'instance 2 to see the watcher',
      );
      expect(two.server.deps.ops.monitor.capturing).toBe(true);

      const key = `team_${one.ids.teamA}_metrics`;
      const instance = two.server.deps.ops.instance;
      expect((await readMetrics(two)).statusCode).toBe(200);
      const isOnTwo = (data: unknown) => (data as CacheOp).instance === instance && (data as CacheOp).key === key;
      const load = (await all.next((e) => e.event === 'op' && isOnTwo(e.data), 1_000)).data as CacheOp;
      expect(load).toMatchObject({ key, family: 'team_metrics', tier: 'origin', outcome: 'bypass', op: 'getOrSet' });
      expect(load.ms).toBeGreaterThanOrEqual(0);

      // A plain read next is served from instance 2's memory tier.
      expect((await two.request({ method: 'GET', url: `/api/teams/${one.ids.teamA}/metrics` })).statusCode).toBe(200);
      const hit = (
        await all.next((e) => e.event === 'op' && isOnTwo(e.data) && (e.data as CacheOp).outcome === 'hit', 1_000)
      ).data as CacheOp;
      expect(hit).toMatchObject({ key, family: 'team_metrics', tier: 'memory', outcome: 'hit' });

      // The filtered stream got the load and nothing that does not match.
      await loads.next((e) => e.event === 'op' && isOnTwo(e.data));
      for (const event of loads.seen.filter((e) => e.event === 'op')) {
        expect(event.data).toMatchObject({ family: 'team_metrics', outcome: 'bypass' });
      }
    } finally {
      all.close();
      loads.close();
    }
    // Watchers gone: instance 2 hears it and stops; reads publish nothing more.
    await until(
      () => two.server.deps.ops.monitor.stats().remoteWatchers === 0,
      5_000,
      'instance 2 to forget the watcher',
    );
    await until(() => !one.server.deps.ops.monitor.capturing, 5_000, 'instance 1 to stop tapping');
    expect(two.server.deps.ops.monitor.capturing).toBe(false);
    const before = monitorMessages.filter((t) => t === 'monitor.ops').length;
    for (let i = 0; i < 3; i++) await readMetrics(two);
    await one.server.deps.serverCache.topics!.publishTopic('monitor.marker', {});
    await until(() => monitorMessages.filter((t) => t === 'monitor.marker').length === 2, 5_000, 'the marker');
    expect(monitorMessages.filter((t) => t === 'monitor.ops').length).toBe(before);
  });

  it('is for admins only and checks its filters', async () => {
    expectError(await one.request({ method: 'GET', url: '/api/admin/cache/monitor', as: 'alice' }), 403, 'E_FORBIDDEN');
    expectError(
      await one.request({ method: 'GET', url: '/api/admin/cache/monitor?outcome=sideways' }),
      400,
      'E_VALIDATION',
    );
  });
});
