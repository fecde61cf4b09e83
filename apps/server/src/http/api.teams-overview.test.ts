/**
 * The teams overview (`GET /api/teams/metrics`): each visible team's metrics, read with one batch
 * over the page's `team_{id}_metrics` entries, the same as each team's own metrics route answers.
 */
import { TeamsMetricsBody } from '@agiletrack/domain';
import { describe, expect, it } from 'vitest';
import { expectError, serverFor } from '../testing/api-helpers.ts';
import { TEST_MODES } from '../testing/harness.ts';

describe.each(TEST_MODES)('teams overview (%s)', (mode) => {
  const api = serverFor(mode);
  const batch = () => api.t.server.deps.serverCache.cache.stats().getOrSet;

  it("answers each visible team's metrics, the same as the team's own route, in one batch read", async () => {
    const response = await api.request({ method: 'GET', url: '/api/teams/metrics?windowDays=28' });
    expect(response.statusCode).toBe(200);
    const body = TeamsMetricsBody.parse(response.json());
    const ids = [api.t.ids.teamA, api.t.ids.teamB];
    expect(body.teams.map((team) => team.teamId)).toEqual(expect.arrayContaining(ids));
    for (const teamId of ids) {
      const own = await api.request({ method: 'GET', url: `/api/teams/${teamId}/metrics?windowDays=28` });
      expect(body.teams.find((team) => team.teamId === teamId)).toEqual(own.json().metrics);
    }
    // Read again: one batch read finds every entry, so nothing is loaded.
    const before = batch();
    expect((await api.request({ method: 'GET', url: '/api/teams/metrics' })).statusCode).toBe(200);
    expect(batch().manyCalls - before.manyCalls).toBe(1);
    expect(batch().batchLoads - before.batchLoads).toBe(0);
  });

  it('shows a member only their teams, and pages', async () => {
    const alice = await api.request({ method: 'GET', url: '/api/teams/metrics', as: 'alice' });
    expect(alice.json().teams.map((team: { teamId: number }) => team.teamId)).toEqual([api.t.ids.teamA]);
    const first = await api.request({ method: 'GET', url: '/api/teams/metrics?limit=1' });
    const page = TeamsMetricsBody.parse(first.json());
    expect(page.teams).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const second = await api.request({
      method: 'GET',
      url: `/api/teams/metrics?limit=1&cursor=${encodeURIComponent(page.nextCursor!)}`,
    });
    expect(second.json().teams[0].teamId).toBeGreaterThan(page.teams[0]!.teamId);
  });

  it('refuses a window that is not computed, an unknown parameter, and an anonymous caller', async () => {
    expectError(await api.request({ method: 'GET', url: '/api/teams/metrics?windowDays=5' }), 400, 'E_VALIDATION');
    expectError(await api.request({ method: 'GET', url: '/api/teams/metrics?team=1' }), 400, 'E_VALIDATION');
    expectError(await api.request({ method: 'GET', url: '/api/teams/metrics', as: null }), 401, 'E_UNAUTHENTICATED');
  });
});
