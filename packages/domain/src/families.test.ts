import { describe, expect, it } from 'vitest';
import { CACHE_FAMILIES, cacheKeyFamily } from './families.ts';
import { cacheKeys } from './keys.ts';

describe('cacheKeyFamily', () => {
  it('takes the ids out of every key the key builders make', () => {
    const uuid = '0b5f6a1c-1d2e-4f3a-9b8c-7d6e5f4a3b2c';
    expect(
      [
        cacheKeys.teams(),
        cacheKeys.team(12),
        cacheKeys.teamIntegrations(uuid),
        cacheKeys.teamMetrics(12),
        cacheKeys.integration(7),
        cacheKeys.integrationMetrics(7),
        cacheKeys.lastSync(uuid),
        cacheKeys.teamMetricsHistory(12),
        cacheKeys.integrationMetricsHistory(uuid),
      ].map(cacheKeyFamily),
    ).toEqual([
      'teams',
      'team',
      'team_integrations',
      'team_metrics',
      'integration',
      'metrics',
      'last_sync',
      'team_metrics_history',
      'metrics_history',
    ]);
  });

  it("lists the key shapes' families, then the server namespaces, then the catch-all", () => {
    expect(CACHE_FAMILIES).toEqual([
      'teams',
      'team',
      'team_integrations',
      'team_metrics',
      'integration',
      'metrics',
      'last_sync',
      'team_metrics_history',
      'metrics_history',
      'auth',
      'db',
      'other',
    ]);
  });

  it('names the server namespaces and puts everything else in one bounded bucket', () => {
    expect(cacheKeyFamily('auth:session:abc')).toBe('auth');
    expect(cacheKeyFamily('db:users:1')).toBe('db');
    expect(cacheKeyFamily('tenant:team_1')).toBe('other');
    expect(cacheKeyFamily('something_else')).toBe('other');
    expect(cacheKeyFamily('teamsX')).toBe('other');
    expect(cacheKeyFamily('team_')).toBe('other');
    expect(cacheKeyFamily('')).toBe('other');
    for (const key of ['team_1', 'x', 'auth:y']) expect(CACHE_FAMILIES).toContain(cacheKeyFamily(key));
  });
});
