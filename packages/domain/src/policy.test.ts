import { describe, expect, it } from 'vitest';
import { DomainError, DomainErrorCodes } from './errors.ts';
import { type DomainEventInput, DomainEventTypes } from './events.ts';
import { CACHE_KEY_KINDS, cacheKeys, parseCacheKey } from './keys.ts';
import { DEFAULT_CACHE_POLICY, keysAffectedBy, type PolicyOverrides, policyFor, resolvePolicy } from './policy.ts';

const UUID = '3f2b8c4e-9a1d-4e7f-8b2a-6c5d4e3f2a1b';
const DAYS_3 = 259_200_000;
const HOURS_4 = 14_400_000;
const GRACE = 21_600_000;
const HOUR_1 = 3_600_000;

function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('DEFAULT_CACHE_POLICY', () => {
  it.each([
    ['teams', 'localStorage', DAYS_3, null, null, false],
    ['team', 'localStorage', DAYS_3, null, null, false],
    ['teamIntegrations', 'localStorage', DAYS_3, null, null, false],
    ['teamMetrics', 'localStorage', DAYS_3, 'memory', HOURS_4, true],
    ['integration', 'localStorage', DAYS_3, null, null, false],
    ['integrationMetrics', 'memory', HOURS_4, null, null, true],
    ['lastSync', 'memory', HOURS_4, null, null, false],
    ['teamMetricsHistory', 'memory', HOURS_4, 'memory', HOURS_4, true],
    ['integrationMetricsHistory', 'memory', HOURS_4, 'memory', HOURS_4, true],
  ] as const)(
    '%s: browser %s %d ms, session variant %s %s, task result (no grace) %s',
    (kind, tier, ttl, variantTier, variantTtl, task) => {
      const row = DEFAULT_CACHE_POLICY[kind];
      expect(row).toMatchObject({
        kind,
        browserTier: tier,
        browserTtlMs: ttl,
        sessionVariantTier: variantTier,
        sessionVariantTtlMs: variantTtl,
        l2TtlMs: HOUR_1,
        graceMs: task ? 0 : GRACE,
      });
    },
  );

  it('has one row per key kind and nothing else', () => {
    expect(Object.keys(DEFAULT_CACHE_POLICY).sort()).toEqual([...CACHE_KEY_KINDS].sort());
  });

  it('cannot be changed at run time by a careless caller', () => {
    expect(Object.isFrozen(DEFAULT_CACHE_POLICY)).toBe(true);
    expect(() => {
      (DEFAULT_CACHE_POLICY.teams as { l2TtlMs: number }).l2TtlMs = 1;
    }).toThrow(TypeError);
    expect(() => {
      (DEFAULT_CACHE_POLICY.teams.invalidatedBy as unknown as string[]).push('integration.synced');
    }).toThrow(TypeError);
    expect(DEFAULT_CACHE_POLICY.teams.l2TtlMs).toBe(HOUR_1);
  });

  it('lists the invalidating events of every key and the sync rules', () => {
    const byKind = Object.fromEntries(CACHE_KEY_KINDS.map((kind) => [kind, DEFAULT_CACHE_POLICY[kind].invalidatedBy]));
    expect(byKind).toEqual({
      teams: ['team.created', 'team.updated', 'team.deleted'],
      team: ['team.updated', 'team.deleted'],
      teamIntegrations: ['team.deleted', 'integration.created', 'integration.updated', 'integration.deleted'],
      teamMetrics: ['team.deleted', 'integration.deleted', 'integration.synced'],
      integration: ['integration.updated', 'integration.deleted', 'integration.synced'],
      integrationMetrics: ['integration.deleted', 'integration.synced'],
      lastSync: ['integration.deleted', 'integration.synced'],
      teamMetricsHistory: ['team.deleted', 'integration.deleted', 'integration.synced'],
      integrationMetricsHistory: ['integration.deleted', 'integration.synced'],
    });
  });
});

describe('policyFor', () => {
  it('returns the row of the key kind', () => {
    expect(policyFor('teams').kind).toBe('teams');
    expect(policyFor('team_12').kind).toBe('team');
    expect(policyFor('team_12_integrations').kind).toBe('teamIntegrations');
    expect(policyFor(`team_${UUID}_metrics`).browserTier).toBe('localStorage');
    expect(policyFor('integration_7').kind).toBe('integration');
    expect(policyFor('metrics_7').browserTtlMs).toBe(HOURS_4);
    expect(policyFor('last_sync_7').browserTier).toBe('memory');
  });

  it('reads from a resolved policy when given one', () => {
    const policy = resolvePolicy({ lastSync: { l2TtlMs: 60_000 } });
    expect(policyFor('last_sync_7', policy).l2TtlMs).toBe(60_000);
    expect(policyFor('last_sync_7').l2TtlMs).toBe(HOUR_1);
  });

  it.each(['team_012', 'team_12 ', 'nope', ''])('rejects %j with E_INVALID_KEY', (key) => {
    expect(thrown(() => policyFor(key)).code).toBe(DomainErrorCodes.INVALID_KEY);
  });
});

describe('resolvePolicy', () => {
  it('returns the defaults when nothing is overridden', () => {
    expect(resolvePolicy()).toEqual(DEFAULT_CACHE_POLICY);
    expect(resolvePolicy({})).toEqual(DEFAULT_CACHE_POLICY);
  });

  it('applies `all` to every row, then per-kind overrides on top', () => {
    const policy = resolvePolicy({ all: { browserTtlMs: 5_000, l2TtlMs: 120_000 }, teamMetrics: { l2TtlMs: 600_000 } });
    for (const kind of CACHE_KEY_KINDS) {
      expect(policy[kind].browserTtlMs).toBe(5_000);
      expect(policy[kind].l2TtlMs).toBe(kind === 'teamMetrics' ? 600_000 : 120_000);
      expect(policy[kind].graceMs).toBe(DEFAULT_CACHE_POLICY[kind].graceMs);
      expect(policy[kind].invalidatedBy).toEqual(DEFAULT_CACHE_POLICY[kind].invalidatedBy);
    }
  });

  it('overrides browser and session-variant TTLs', () => {
    const policy = resolvePolicy({ teamMetrics: { browserTtlMs: 1_000, sessionVariantTtlMs: 2_000 } });
    expect(policy.teamMetrics).toMatchObject({ browserTtlMs: 1_000, sessionVariantTtlMs: 2_000 });
    expect(policy.teamMetrics.browserTier).toBe('localStorage');
    expect(policy.teamMetrics.sessionVariantTier).toBe('memory');
  });

  it('applies an `all` session-variant TTL only to kinds that have variants', () => {
    const policy = resolvePolicy({ all: { sessionVariantTtlMs: 2_000 } });
    expect(policy.teamMetrics.sessionVariantTtlMs).toBe(2_000);
    expect(policy.teams.sessionVariantTtlMs).toBeNull();
  });

  it('rejects a session-variant TTL for a kind without variants', () => {
    const error = thrown(() => resolvePolicy({ teams: { sessionVariantTtlMs: 2_000 } }));
    expect(error.code).toBe(DomainErrorCodes.INVALID_POLICY);
    expect(error.message).toContain('teams.sessionVariantTtlMs');
  });

  it('keeps the default when an override is explicitly undefined', () => {
    expect(resolvePolicy({ teams: { l2TtlMs: undefined } }).teams.l2TtlMs).toBe(HOUR_1);
  });

  it('returns a frozen policy and leaves the defaults untouched', () => {
    const policy = resolvePolicy({ teams: { l2TtlMs: 1 } });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.teams)).toBe(true);
    expect(DEFAULT_CACHE_POLICY.teams.l2TtlMs).toBe(HOUR_1);
  });

  it.each([
    ['zero', 0],
    ['a negative', -1],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['above MAX_SAFE_INTEGER', 2 ** 53],
    ['a numeric string', '1000'],
    ['null', null],
  ])('rejects %s as a TTL with E_INVALID_POLICY naming the field and value', (_label, value) => {
    const error = thrown(() => resolvePolicy({ teamMetrics: { l2TtlMs: value } } as unknown as PolicyOverrides));
    expect(error.code).toBe(DomainErrorCodes.INVALID_POLICY);
    expect(error.message).toContain('teamMetrics.l2TtlMs: must be a positive integer number of milliseconds');
    expect(error.cause).toBeDefined();
  });

  it('rejects an unknown kind or field, so a typo does not silently keep the default', () => {
    const kindError = thrown(() => resolvePolicy({ teamMetric: { l2TtlMs: 1 } } as unknown as PolicyOverrides));
    expect(kindError.code).toBe(DomainErrorCodes.INVALID_POLICY);
    expect(kindError.message).toContain('teamMetric');
    const fieldError = thrown(() => resolvePolicy({ teams: { l2Ttl: 1 } } as unknown as PolicyOverrides));
    expect(fieldError.code).toBe(DomainErrorCodes.INVALID_POLICY);
    expect(fieldError.message).toContain('l2Ttl');
  });

  it('rejects a non-object', () => {
    for (const value of [null, 'fast', 3, []]) {
      expect(thrown(() => resolvePolicy(value as unknown as PolicyOverrides)).code).toBe(
        DomainErrorCodes.INVALID_POLICY,
      );
    }
  });
});

describe('keysAffectedBy', () => {
  const cases: [DomainEventInput, string[]][] = [
    [{ type: 'team.created', teamId: 12 }, ['teams']],
    [{ type: 'team.updated', teamId: 12 }, ['teams', 'team_12']],
    [
      { type: 'team.deleted', teamId: 12 },
      ['teams', 'team_12', 'team_12_integrations', 'team_12_metrics', 'team_12_metrics_history'],
    ],
    [{ type: 'team.goals', teamId: 12 }, []],
    [{ type: 'integration.created', integrationId: 7, teamId: 12 }, ['team_12_integrations']],
    [{ type: 'integration.updated', integrationId: 7, teamId: 12 }, ['integration_7', 'team_12_integrations']],
    [
      { type: 'integration.deleted', integrationId: 7, teamId: 12 },
      [
        'integration_7',
        'team_12_integrations',
        'metrics_7',
        'last_sync_7',
        'team_12_metrics',
        'metrics_7_history',
        'team_12_metrics_history',
      ],
    ],
    [
      { type: 'integration.synced', integrationId: 7, teamId: 12 },
      ['integration_7', 'metrics_7', 'last_sync_7', 'team_12_metrics', 'metrics_7_history', 'team_12_metrics_history'],
    ],
  ];

  it('covers every event type', () => {
    expect(cases.map(([event]) => event.type).sort()).toEqual([...DomainEventTypes].sort());
  });

  it.each(cases)('%j invalidates exactly %j', (event, expected) => {
    const keys = keysAffectedBy(event);
    expect([...keys].sort()).toEqual([...expected].sort());
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('canonicalises ids from the event', () => {
    expect(keysAffectedBy({ type: 'integration.synced', integrationId: '7', teamId: UUID.toUpperCase() })).toEqual(
      keysAffectedBy({ type: 'integration.synced', integrationId: 7, teamId: UUID }),
    );
    expect(keysAffectedBy({ type: 'team.updated', teamId: UUID.toUpperCase() })).toContain(cacheKeys.team(UUID));
  });

  it('agrees with the invalidatedBy column for every event and kind', () => {
    for (const type of DomainEventTypes) {
      const event = (
        type.startsWith('integration.') ? { type, integrationId: 7, teamId: 12 } : { type, teamId: 12 }
      ) as DomainEventInput;
      const kinds = new Set(keysAffectedBy(event).map((key) => parseCacheKey(key).kind));
      for (const kind of CACHE_KEY_KINDS) {
        expect(kinds.has(kind), `${type} → ${kind}`).toBe(DEFAULT_CACHE_POLICY[kind].invalidatedBy.includes(type));
      }
    }
  });

  it.each([
    ['an unknown type', { type: 'team.renamed', teamId: 12 }],
    ['a missing team id', { type: 'team.updated' }],
    ['a bad team id', { type: 'team.updated', teamId: '012' }],
    ['a sync without integration id', { type: 'integration.synced', teamId: 12 }],
    ['a sync without team id', { type: 'integration.synced', integrationId: 7 }],
    ['a bad integration id', { type: 'integration.deleted', integrationId: '7_metrics', teamId: 12 }],
    ['null', null],
  ])('rejects %s with E_INVALID_EVENT', (_label, event) => {
    const error = thrown(() => keysAffectedBy(event as unknown as DomainEventInput));
    expect(error.code).toBe(DomainErrorCodes.INVALID_EVENT);
    expect(error.cause).toBeDefined();
  });
});
