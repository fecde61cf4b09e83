import { describe, expect, it } from 'vitest';
import { DomainError, DomainErrorCodes } from './errors.ts';
import { type Id, type IdInput, parseId } from './ids.ts';
import {
  buildCacheKey,
  CACHE_KEY_KINDS,
  type CacheKeyKind,
  type CacheKeyParts,
  cacheKeys,
  type ParsedCacheKey,
  parseCacheKey,
  tags,
  teamHashTag,
} from './keys.ts';

const UUID = '3f2b8c4e-9a1d-4e7f-8b2a-6c5d4e3f2a1b';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'no error';
}

function partsFor(kind: CacheKeyKind, id: IdInput): CacheKeyParts<IdInput> {
  switch (kind) {
    case 'teams':
      return { kind };
    case 'team':
    case 'teamIntegrations':
    case 'teamMetrics':
    case 'teamMetricsHistory':
      return { kind, teamId: id };
    case 'integration':
    case 'integrationMetrics':
    case 'lastSync':
    case 'integrationMetricsHistory':
      return { kind, integrationId: id };
  }
}

// Deterministic PRNG so a failing round trip can be replayed.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomIds(count: number, seed: number): IdInput[] {
  const next = mulberry32(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  const ids: IdInput[] = [];
  for (let i = 0; i < count; i++) {
    const pick = next();
    if (pick < 0.3) ids.push(1 + Math.floor(next() * 1000));
    else if (pick < 0.5) ids.push(String(1 + Math.floor(next() * Number.MAX_SAFE_INTEGER)));
    else if (pick < 0.6) ids.push(Number.MAX_SAFE_INTEGER - Math.floor(next() * 10));
    else {
      const uuid = `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
      ids.push(next() < 0.5 ? uuid : uuid.toUpperCase());
    }
  }
  return ids;
}

describe('cacheKeys', () => {
  it('builds the seven logical keys and the two metrics histories', () => {
    expect(cacheKeys.teams()).toBe('teams');
    expect(cacheKeys.team(12)).toBe('team_12');
    expect(cacheKeys.teamIntegrations(12)).toBe('team_12_integrations');
    expect(cacheKeys.teamMetrics(12)).toBe('team_12_metrics');
    expect(cacheKeys.integration(7)).toBe('integration_7');
    expect(cacheKeys.integrationMetrics(7)).toBe('metrics_7');
    expect(cacheKeys.lastSync(7)).toBe('last_sync_7');
    expect(cacheKeys.teamMetricsHistory(12)).toBe('team_12_metrics_history');
    expect(cacheKeys.integrationMetricsHistory(7)).toBe('metrics_7_history');
  });

  it('gives 12 and "12" the same key, and an upper-case UUID the lower-case key', () => {
    expect(cacheKeys.team('12')).toBe(cacheKeys.team(12));
    expect(cacheKeys.teamMetrics(UUID.toUpperCase())).toBe(`team_${UUID}_metrics`);
    expect(cacheKeys.lastSync(UUID.toUpperCase())).toBe(`last_sync_${UUID}`);
  });

  it.each(['12 ', '12_metrics', '12_integrations', '012', '0', '', 'team', '1e3', `{${UUID}}`])(
    'refuses id %j before building any key',
    (id) => {
      for (const build of [
        cacheKeys.team,
        cacheKeys.teamIntegrations,
        cacheKeys.teamMetrics,
        cacheKeys.integration,
        cacheKeys.integrationMetrics,
        cacheKeys.lastSync,
      ]) {
        expect(codeOf(() => build(id))).toBe(DomainErrorCodes.INVALID_ID);
      }
    },
  );
});

describe('buildCacheKey', () => {
  it('matches the named builders', () => {
    expect(buildCacheKey({ kind: 'teamMetrics', teamId: 12 })).toBe(cacheKeys.teamMetrics(12));
    expect(buildCacheKey({ kind: 'integrationMetrics', integrationId: '7' })).toBe(cacheKeys.integrationMetrics(7));
  });

  it('rejects an unknown kind, including names inherited from Object.prototype', () => {
    for (const kind of ['bogus', 'toString', '__proto__', 'constructor']) {
      expect(codeOf(() => buildCacheKey({ kind } as unknown as CacheKeyParts<IdInput>))).toBe(
        DomainErrorCodes.INVALID_KEY,
      );
    }
    expect(codeOf(() => buildCacheKey(null as unknown as CacheKeyParts<IdInput>))).toBe(DomainErrorCodes.INVALID_KEY);
  });

  it('rejects parts whose id sits in the wrong field', () => {
    const wrong = { kind: 'team', integrationId: 12 } as unknown as CacheKeyParts<IdInput>;
    expect(codeOf(() => buildCacheKey(wrong))).toBe(DomainErrorCodes.INVALID_ID);
  });
});

describe('parseCacheKey', () => {
  it.each<[string, ParsedCacheKey]>([
    ['teams', { kind: 'teams' }],
    ['team_12', { kind: 'team', teamId: '12' as Id }],
    ['team_12_integrations', { kind: 'teamIntegrations', teamId: '12' as Id }],
    ['team_12_metrics', { kind: 'teamMetrics', teamId: '12' as Id }],
    ['integration_7', { kind: 'integration', integrationId: '7' as Id }],
    ['metrics_7', { kind: 'integrationMetrics', integrationId: '7' as Id }],
    ['last_sync_7', { kind: 'lastSync', integrationId: '7' as Id }],
    [`team_${UUID}_metrics`, { kind: 'teamMetrics', teamId: UUID as Id }],
    [`last_sync_${UUID}`, { kind: 'lastSync', integrationId: UUID as Id }],
  ])('parses %s', (key, expected) => {
    expect(parseCacheKey(key)).toEqual(expected);
  });

  it.each([
    '',
    'team',
    'teams_',
    'Teams',
    ' teams',
    'teams\n',
    'team_',
    'team__metrics',
    'team_integrations',
    'team_metrics',
    'team_012',
    'team_0',
    'team_12 ',
    'team_12_metrics_metrics',
    'team_12_integrations_metrics',
    'team_12_foo',
    'team_1_2',
    'team_-1',
    'team_1e3',
    `team_${UUID.toUpperCase()}`,
    `team_{${UUID}}`,
    'integration_',
    'integration_7_metrics',
    'metrics_',
    'metrics_7_metrics',
    'metrics_team_7',
    'last_sync_',
    'last_sync_07',
    'lastsync_7',
    'sync_7',
    'team:12',
    'agiletrack_team_12',
  ])('rejects %j with E_INVALID_KEY', (key) => {
    expect(codeOf(() => parseCacheKey(key))).toBe(DomainErrorCodes.INVALID_KEY);
  });

  it('says which segment is not a canonical id', () => {
    expect(() => parseCacheKey('team_012')).toThrow(/"012" is not a canonical id/);
    expect(() => parseCacheKey('foo')).toThrow(/matches none of teams, team_\{id\}/);
  });

  it('rejects a non-string from untyped callers', () => {
    expect(codeOf(() => parseCacheKey(12 as unknown as string))).toBe(DomainErrorCodes.INVALID_KEY);
  });
});

describe('key round trips', () => {
  const ids = randomIds(300, 0xa91e);

  it('parse(build(x)) is x with its id canonicalised, for every kind', () => {
    for (const id of ids) {
      for (const kind of CACHE_KEY_KINDS) {
        const parts = partsFor(kind, id);
        const canonical = kind === 'teams' ? parts : partsFor(kind, parseId(id));
        expect(parseCacheKey(buildCacheKey(parts))).toEqual(canonical);
      }
    }
  });

  it('build(parse(k)) === k for every key built', () => {
    for (const id of ids) {
      for (const kind of CACHE_KEY_KINDS) {
        const key = buildCacheKey(partsFor(kind, id));
        expect(buildCacheKey(parseCacheKey(key))).toBe(key);
      }
    }
  });

  it('never maps two distinct (kind, id) pairs to one key', () => {
    // Ids chosen to tempt collisions: prefixes of each other, digits that reappear in suffixes.
    const tricky: IdInput[] = [1, 2, 12, 21, 120, 7, 70, Number.MAX_SAFE_INTEGER, UUID, ...ids];
    const owners = new Map<string, string>();
    for (const id of tricky) {
      for (const kind of CACHE_KEY_KINDS) {
        const identity = JSON.stringify(partsFor(kind, kind === 'teams' ? 1 : parseId(id)));
        const key = buildCacheKey(partsFor(kind, id));
        const owner = owners.get(key);
        if (owner !== undefined) expect(owner).toBe(identity);
        owners.set(key, identity);
      }
    }
    const distinctIdentities = new Set(owners.values());
    expect(owners.size).toBe(distinctIdentities.size);
    // Every id-bearing kind once per distinct id, plus the one `teams` key.
    const distinctIds = new Set(tricky.map((id) => parseId(id)));
    expect(owners.size).toBe((CACHE_KEY_KINDS.length - 1) * distinctIds.size + 1);
  });
});

describe('tags', () => {
  it('builds the documented tag names', () => {
    expect(tags.team(12)).toBe('team:12');
    expect(tags.integration(7)).toBe('integration:7');
    expect(tags.table('teams')).toBe('table:teams');
    expect(tags.table('team_integrations')).toBe('table:team_integrations');
  });

  it('canonicalises ids so one entity has one tag', () => {
    expect(tags.team('12')).toBe(tags.team(12));
    expect(tags.integration(UUID.toUpperCase())).toBe(`integration:${UUID}`);
  });

  it('keeps a team and an integration with the same id apart', () => {
    expect(tags.team(7)).not.toBe(tags.integration(7));
  });

  it('rejects bad ids and table names', () => {
    expect(codeOf(() => tags.team('12 '))).toBe(DomainErrorCodes.INVALID_ID);
    expect(codeOf(() => tags.integration(0))).toBe(DomainErrorCodes.INVALID_ID);
    for (const name of ['', 'Teams', 'teams:1', 'team s', 'teams;drop', '1teams', 'a'.repeat(64)]) {
      expect(codeOf(() => tags.table(name))).toBe(DomainErrorCodes.INVALID_TAG);
    }
  });
});

describe('teamHashTag', () => {
  it('wraps the team key in braces so Redis Cluster hashes only that part', () => {
    expect(teamHashTag(12)).toBe('{team_12}');
    expect(teamHashTag('12')).toBe('{team_12}');
    expect(teamHashTag(UUID.toUpperCase())).toBe(`{team_${UUID}}`);
  });

  it('gives every key of one team the same hash slot input', () => {
    // Redis hashes the text between the first "{" and the next "}".
    const slotInput = (storageKey: string) => /\{([^}]+)\}/.exec(storageKey)?.[1];
    const tag = teamHashTag(12);
    const slots = [cacheKeys.team(12), cacheKeys.teamIntegrations(12), cacheKeys.teamMetrics(12)].map((key) =>
      slotInput(`agiletrack:v1:${tag}${key}`),
    );
    expect(new Set(slots)).toEqual(new Set(['team_12']));
    expect(slotInput(`agiletrack:v1:${teamHashTag(120)}`)).not.toBe('team_12');
  });

  it('rejects a bad team id', () => {
    expect(codeOf(() => teamHashTag('12}'))).toBe(DomainErrorCodes.INVALID_ID);
  });
});
