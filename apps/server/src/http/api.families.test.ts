/**
 * GET /api/admin/cache/families across two instances (Redis): the figures of each family match
 * the operations the test performs on either instance, exactly, and the Redis tier's holdings
 * come from the keys under the prefix.
 */
import type { FamiliesReport } from '@agiletrack/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, until } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';

describe('family analytics (two instances, redis)', () => {
  let one: TestServer;
  let two: TestServer;

  beforeAll(async () => {
    one = await startTestServer('redis');
    two = await startTestServer('redis', { join: one });
    await until(() => one.server.deps.ops.analytics.peers === 1, 5_000, 'instance 1 to know instance 2');
    // Team B's metrics in Redis before the first report measures the tiers (kept for a while).
    await one.request({ method: 'GET', url: `/api/teams/${one.ids.teamB}/metrics` });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  const report = async (): Promise<FamiliesReport> => {
    const response = await one.request({ method: 'GET', url: '/api/admin/cache/families' });
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const figures = (r: FamiliesReport, family: string) => r.families.find((f) => f.family === family)!;

  it('counts the operations made on both instances, exactly, in every window', async () => {
    const before = await report();
    expect(before.instances).toHaveLength(2);
    const teamA = one.ids.teamA;
    // Instance 2: a miss loaded from the database, then two hits from its memory tier.
    await two.server.deps.serverCache.cache.delete(`team_${teamA}_metrics`);
    for (let i = 0; i < 3; i++) {
      expect((await two.request({ method: 'GET', url: `/api/teams/${teamA}/metrics` })).statusCode).toBe(200);
    }
    // Instance 1: the value written by instance 2 is in Redis: one hit.
    expect((await one.request({ method: 'GET', url: `/api/teams/${teamA}/metrics` })).statusCode).toBe(200);
    const after = await report();
    for (const window of ['minute', 'hour', 'day'] as const) {
      const b = figures(before, 'team_metrics').windows[window];
      const a = figures(after, 'team_metrics').windows[window];
      expect({ hits: a.hits - b.hits, misses: a.misses - b.misses, loads: a.loads - b.loads }).toEqual({
        hits: 3,
        misses: 1,
        loads: 1,
      });
      expect(a.loadMs).toBeGreaterThan(b.loadMs);
    }
    const holdings = figures(before, 'team_metrics').tiers;
    expect(holdings.redis!.entries).toBeGreaterThanOrEqual(1);
    expect(holdings.redis!.bytes).toBeGreaterThan(0);
    expect(holdings.memory!.entries).toBeGreaterThanOrEqual(1);
  });

  it('is for admins only', async () => {
    expectError(
      await one.request({ method: 'GET', url: '/api/admin/cache/families', as: 'alice' }),
      403,
      'E_FORBIDDEN',
    );
  });
});
