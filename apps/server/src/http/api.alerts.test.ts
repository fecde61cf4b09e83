/**
 * Server-side alerts: with a private Redis paused, the L2 tier's circuit breaker opens, the
 * breaker alert fires on GET /api/admin/alerts and reaches an admin's event stream (not a
 * member's), then resolves once Redis answers again. Browser quota reports fire their own rule.
 */
import { type RedisTestServer, startRedisServer } from '@agiletrack/cache/testing/redis-cluster';
import type { Alert } from '@agiletrack/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { openTestStream, type TestStream } from '../testing/sse.ts';

describe('server alerts', () => {
  let redis: RedisTestServer;
  let t: TestServer;
  let baseUrl: string;
  const streams: TestStream[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    // Rules run when the test says (evaluate()), not on a timer.
    t = await startTestServer('postgres', {
      env: { REDIS_URL: redis.url, ALERT_INTERVAL_MS: '3600000', CACHE_TIER_DEADLINE_MS: '50' },
    });
    baseUrl = await t.server.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    redis?.resume();
    await t?.close();
    await redis?.stop();
  });

  const open = async (token: string) => {
    const stream = await openTestStream(`${baseUrl}/api/events`, { authorization: `Bearer ${token}` });
    streams.push(stream);
    await stream.next((e) => e.event === 'ready');
    return stream;
  };
  const breaker = () => t.server.deps.serverCache.cache.stats().tiers.find((tier) => tier.name === 'redis')!.breaker;
  const alerts = async (since?: number) => {
    const response = await t.request({ method: 'GET', url: `/api/admin/alerts${since ? `?since=${since}` : ''}` });
    expect(response.statusCode).toBe(200);
    return response.json() as { firing: Alert[]; resolved: Alert[] };
  };

  it('fires the breaker alert while Redis is paused, pushes it to admins, and resolves it', async () => {
    const admin = await open(t.tokens.admin);
    const member = await open(t.tokens.alice);
    const cache = t.server.deps.serverCache.cache;
    const engine = t.server.deps.ops.alerts;
    await engine.evaluate();
    expect((await alerts()).firing).toEqual([]);

    redis.pause();
    // Keys absent from L1 make every read ask Redis; each times out until the breaker opens.
    for (let i = 0; i < 50 && breaker() === 'closed'; i++) await cache.get(`alert_probe_${i}`);
    expect(breaker()).not.toBe('closed');
    await engine.evaluate();
    const firing = (await alerts()).firing.filter((alert) => alert.rule === 'breaker-open');
    expect(firing).toEqual([
      expect.objectContaining({
        id: 'breaker:redis',
        severity: 'critical',
        state: 'firing',
        message: expect.any(String),
      }),
    ]);
    const isBreaker = (e: { event: string; data: unknown }) =>
      e.event === 'alert' && (e.data as Alert).rule === 'breaker-open';
    const pushed = await admin.next(isBreaker);
    expect(pushed.data).toMatchObject({ id: 'breaker:redis', state: 'firing' });

    redis.resume();
    // After the cooldown one probe goes through and closes the breaker.
    const deadline = Date.now() + 15_000;
    while (breaker() !== 'closed' && Date.now() < deadline) {
      await cache.get('alert_probe_again');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(breaker()).toBe('closed');
    await engine.evaluate();
    // The timeouts also fired the error-rate rule, which holds for its window; the breaker resolved.
    const after = await alerts(firing[0]!.since);
    expect(after.firing.map((alert) => alert.rule)).not.toContain('breaker-open');
    expect(after.resolved.filter((alert) => alert.rule === 'breaker-open')).toEqual([
      expect.objectContaining({ id: 'breaker:redis', state: 'resolved', resolvedAt: expect.any(Number) }),
    ]);
    expect((await alerts(Date.now() + 1)).resolved).toEqual([]);
    const resolved = await admin.next(isBreaker);
    expect(resolved.data).toMatchObject({ id: 'breaker:redis', state: 'resolved' });
    expect(member.seen.filter((e) => e.event === 'alert')).toEqual([]);
  });

  it('fires on browser quota failures reported by dashboards', async () => {
    const report = await t.request({
      method: 'POST',
      url: '/api/cache/client-report',
      as: 'alice',
      payload: { quotaFailures: 2 },
    });
    expect(report.statusCode).toBe(204);
    expectError(
      await t.request({ method: 'POST', url: '/api/cache/client-report', payload: { quotaFailures: -1 } }),
      400,
      'E_VALIDATION',
    );
    // One report a minute per user, each counting at most 100: a member cannot inflate the alert.
    expectError(
      await t.request({ method: 'POST', url: '/api/cache/client-report', as: 'alice', payload: { quotaFailures: 2 } }),
      429,
      'E_RATE_LIMITED',
    );
    const before = t.server.deps.ops.clientReports.quotaFailures;
    const inflated = { quotaFailures: 1_000_000 };
    expect(
      (await t.request({ method: 'POST', url: '/api/cache/client-report', as: 'bob', payload: inflated })).statusCode,
    ).toBe(204);
    expect(t.server.deps.ops.clientReports.quotaFailures - before).toBe(100);
    await t.server.deps.ops.alerts.evaluate();
    expect((await alerts()).firing).toContainEqual(expect.objectContaining({ rule: 'browser-quota' }));
    expectError(await t.request({ method: 'GET', url: '/api/admin/alerts', as: 'bob' }), 403, 'E_FORBIDDEN');
  });
});
