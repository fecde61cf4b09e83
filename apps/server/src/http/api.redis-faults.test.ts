/**
 * Two API instances sharing a PRIVATE redis-server (never the shared one) that the test kills and
 * freezes. With Redis killed, a write on instance 1 is served by instance 2 within the bus-down
 * bound (local copies older than it are not trusted while the bus is down); with Redis frozen, a
 * write and the health check answer within a second; once Redis is back, no instance serves the
 * old value.
 */
import { type RedisTestServer, startRedisServer } from '@agiletrack/cache/testing/redis-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, untilAsync } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';

/** A write acknowledged on one instance is served by every other within this bound (README). */
const STALENESS_BOUND_MS = 2_000;

describe('two instances while Redis fails', () => {
  let redis: RedisTestServer;
  let one: TestServer;
  let two: TestServer;
  let counter = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    // The production deadline: a frozen Redis must cost a request no more than that.
    const env = { REDIS_URL: redis.url, CACHE_TIER_DEADLINE_MS: '50' };
    one = await startTestServer('redis', { env });
    two = await startTestServer('redis', { join: one, env });
    await Promise.all([one.server.deps.serverCache.cache.ready(), two.server.deps.serverCache.cache.ready()]);
  }, 60_000);

  afterAll(async () => {
    redis?.resume();
    await two?.close();
    await one?.close();
    await redis?.stop();
  });

  const teamUrl = () => `/api/teams/${one.ids.teamA}`;
  const nameOn = async (t: TestServer) => (await t.request({ method: 'GET', url: teamUrl() })).json().team.name;
  const rename = async () => {
    const name = `Team A ${++counter}`;
    const started = Date.now();
    const response = await one.request({ method: 'PATCH', url: teamUrl(), payload: { name } });
    expect(response.statusCode, response.body).toBe(200);
    return { name, answeredInMs: Date.now() - started };
  };
  /** Instance 2 holds the team in L1 (read twice: the second read is a local hit). */
  const warm = async () => {
    await two.request({ method: 'GET', url: teamUrl() });
    const hit = await two.request({ method: 'GET', url: teamUrl() });
    expect(hit.headers['x-cache-tier']).toBe('l1');
  };
  const bothHealthy = () =>
    until(
      () => one.server.deps.serverCache.cache.busHealthy && two.server.deps.serverCache.cache.busHealthy,
      20_000,
      'both buses to be back',
    );

  it('with Redis killed, a write on instance 1 is served by instance 2 within the bound', async () => {
    await warm();
    await redis.kill();
    const { name } = await rename();
    const acknowledged = Date.now();
    await untilAsync(async () => (await nameOn(two)) === name, STALENESS_BOUND_MS, 'instance 2 to serve the write');
    expect(Date.now() - acknowledged).toBeLessThanOrEqual(STALENESS_BOUND_MS);
    const health = await one.request({ method: 'GET', url: '/api/health', as: null });
    expect(health.json()).toMatchObject({ status: 'degraded', checks: { database: 'ok' } });
    expect(health.json().degraded).toContain('redis');

    await redis.restart();
    await bothHealthy();
    // Back: nobody serves anything older than the last write.
    expect(await nameOn(one)).toBe(name);
    expect(await nameOn(two)).toBe(name);
  }, 60_000);

  it('with Redis frozen, a write and the health check answer within a second; after it thaws nobody serves the old value', async () => {
    await warm();
    redis.pause();
    try {
      const { name, answeredInMs } = await rename();
      expect(answeredInMs).toBeLessThan(1_000);
      const started = Date.now();
      const health = await one.request({ method: 'GET', url: '/api/health', as: null });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(health.json().status).toBe('degraded');
      expect(health.json().degraded).toContain('redis');
      await untilAsync(async () => (await nameOn(two)) === name, STALENESS_BOUND_MS, 'instance 2 to serve the write');
      redis.resume();
      await bothHealthy();
      expect(await nameOn(one)).toBe(name);
      expect(await nameOn(two)).toBe(name);
      const healthy = await two.request({ method: 'GET', url: '/api/health', as: null });
      expect(healthy.json()).toMatchObject({ status: 'ok', checks: { redis: 'ok', bus: 'ok' } });
    } finally {
      redis.resume();
    }
  }, 60_000);
});
