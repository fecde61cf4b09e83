/**
 * AgileTrack's logical cache keys (one per kind of data), their tags and Redis Cluster hash tags.
 * Keys are built only from canonical ids, and parsing accepts only what building produces, so a
 * key names exactly one entity and `buildCacheKey(parseCacheKey(k)) === k` for every accepted `k`.
 */
import { DomainError, DomainErrorCodes, describeInput } from './errors.ts';
import { type Id, type IdInput, parseId } from './ids.ts';

declare const keyBrand: unique symbol;
declare const tagBrand: unique symbol;

/** A logical key produced by this module; branded so hand-concatenated strings do not type-check. */
export type CacheKey = string & { readonly [keyBrand]: 'CacheKey' };

/** An invalidation tag (`team:12`, `integration:7`, `table:teams`). */
export type CacheTag = string & { readonly [tagBrand]: 'CacheTag' };

/** The parts of a key; `I` is {@link Id} once parsed, {@link IdInput} when building from raw input. */
export type CacheKeyParts<I = Id> =
  | { readonly kind: 'teams' }
  | { readonly kind: 'team'; readonly teamId: I }
  | { readonly kind: 'teamIntegrations'; readonly teamId: I }
  | { readonly kind: 'teamMetrics'; readonly teamId: I }
  | { readonly kind: 'integration'; readonly integrationId: I }
  | { readonly kind: 'integrationMetrics'; readonly integrationId: I }
  | { readonly kind: 'lastSync'; readonly integrationId: I }
  | { readonly kind: 'teamMetricsHistory'; readonly teamId: I }
  | { readonly kind: 'integrationMetricsHistory'; readonly integrationId: I };

/** What {@link parseCacheKey} returns: the key's kind and its canonical id. */
export type ParsedCacheKey = CacheKeyParts<Id>;

/** One of the logical key kinds. */
export type CacheKeyKind = ParsedCacheKey['kind'];

type IdField = 'teamId' | 'integrationId';

// The single description of the key text, read by build, parse and the families, so they cannot
// drift apart. Ids never contain "_", so no key matches two shapes with a valid id.
const SHAPES = {
  teams: ['teams', '', null, 'teams'],
  team: ['team_', '', 'teamId', 'team_{id}'],
  teamIntegrations: ['team_', '_integrations', 'teamId', 'team_{id}_integrations'],
  teamMetrics: ['team_', '_metrics', 'teamId', 'team_{id}_metrics'],
  integration: ['integration_', '', 'integrationId', 'integration_{id}'],
  integrationMetrics: ['metrics_', '', 'integrationId', 'metrics_{integration_id}'],
  lastSync: ['last_sync_', '', 'integrationId', 'last_sync_{integration_id}'],
  teamMetricsHistory: ['team_', '_metrics_history', 'teamId', 'team_{id}_metrics_history'],
  integrationMetricsHistory: ['metrics_', '_history', 'integrationId', 'metrics_{integration_id}_history'],
} as const satisfies {
  readonly [K in CacheKeyKind]: readonly [prefix: string, suffix: string, field: IdField | null, pattern: string];
};

type WithoutIds<P extends string> = P extends `${infer Head}_{${string}}${infer Tail}`
  ? WithoutIds<`${Head}${Tail}`>
  : P;

/** A key's family: its pattern without the ids (`team_{id}_metrics` → `team_metrics`). */
export type KeyFamily = WithoutIds<(typeof SHAPES)[CacheKeyKind][3]>;

/** The shapes of the keys, for whoever must recognise a key quickly without parsing its id. */
export const KEY_SHAPES: readonly {
  readonly kind: CacheKeyKind;
  readonly prefix: string;
  readonly suffix: string;
  /** The key has no id: it is its prefix, exactly. */
  readonly exact: boolean;
  readonly family: KeyFamily;
}[] = Object.entries(SHAPES).map(([kind, [prefix, suffix, field, pattern]]) => ({
  kind: kind as CacheKeyKind,
  prefix,
  suffix,
  exact: field === null,
  family: pattern.replace(/_\{[a-z_]+\}/g, '') as KeyFamily,
}));

/**
 * The namespaces the server keeps beside the logical keys (`auth:…` cached principals, `db:…` the
 * query cache): part of the key scheme, so analytics can name them.
 */
export const CACHE_NAMESPACES = { principals: 'auth', queries: 'db' } as const;

/** Every key kind, in the order of the policy table. */
export const CACHE_KEY_KINDS = Object.freeze(Object.keys(SHAPES) as CacheKeyKind[]);

const PATTERNS = CACHE_KEY_KINDS.map((kind) => SHAPES[kind][3]).join(', ');

/** Builds a key from its parts, validating the id first; throws `E_INVALID_ID` on a bad id. */
export function buildCacheKey(parts: CacheKeyParts<IdInput>): CacheKey {
  // Parts may come from untyped JSON (an admin request); an unknown kind must not reach SHAPES' prototype.
  if (typeof parts !== 'object' || parts === null || !Object.hasOwn(SHAPES, parts.kind)) {
    const kind = typeof parts === 'object' && parts !== null ? (parts as { kind?: unknown }).kind : parts;
    throw new DomainError(
      DomainErrorCodes.INVALID_KEY,
      `unknown cache key kind ${describeInput(kind)}: expected one of ${CACHE_KEY_KINDS.join(', ')}`,
    );
  }
  const [prefix, suffix, field] = SHAPES[parts.kind];
  if (field === null) return prefix as CacheKey;
  const raw = Object.hasOwn(parts, field) ? (parts as unknown as Record<IdField, unknown>)[field] : undefined;
  return `${prefix}${parseId(raw)}${suffix}` as CacheKey;
}

/** One builder per key kind: `cacheKeys.team(12) === 'team_12'`. */
export const cacheKeys = Object.freeze({
  /** `teams` */
  teams: (): CacheKey => buildCacheKey({ kind: 'teams' }),
  /** `team_{id}` */
  team: (teamId: IdInput): CacheKey => buildCacheKey({ kind: 'team', teamId }),
  /** `team_{id}_integrations` */
  teamIntegrations: (teamId: IdInput): CacheKey => buildCacheKey({ kind: 'teamIntegrations', teamId }),
  /** `team_{id}_metrics` */
  teamMetrics: (teamId: IdInput): CacheKey => buildCacheKey({ kind: 'teamMetrics', teamId }),
  /** `integration_{id}` */
  integration: (integrationId: IdInput): CacheKey => buildCacheKey({ kind: 'integration', integrationId }),
  /** `metrics_{integration_id}` */
  integrationMetrics: (integrationId: IdInput): CacheKey =>
    buildCacheKey({ kind: 'integrationMetrics', integrationId }),
  /** `last_sync_{integration_id}` */
  lastSync: (integrationId: IdInput): CacheKey => buildCacheKey({ kind: 'lastSync', integrationId }),
  /** `team_{id}_metrics_history`: a team's daily metric points. */
  teamMetricsHistory: (teamId: IdInput): CacheKey => buildCacheKey({ kind: 'teamMetricsHistory', teamId }),
  /** `metrics_{integration_id}_history`: an integration's daily metric points. */
  integrationMetricsHistory: (integrationId: IdInput): CacheKey =>
    buildCacheKey({ kind: 'integrationMetricsHistory', integrationId }),
});

/**
 * Parses a logical key back into its parts; throws `E_INVALID_KEY` for anything `buildCacheKey`
 * would not produce (unknown shape, non-canonical id such as `team_012` or an upper-case UUID).
 */
export function parseCacheKey(key: string): ParsedCacheKey {
  if (typeof key !== 'string') {
    throw new DomainError(DomainErrorCodes.INVALID_KEY, `cache key must be a string, got ${describeInput(key)}`);
  }
  let badSegment: string | undefined;
  for (const kind of CACHE_KEY_KINDS) {
    const [prefix, suffix, field] = SHAPES[kind];
    if (field === null) {
      if (key === prefix) return { kind } as ParsedCacheKey;
      continue;
    }
    if (key.length <= prefix.length + suffix.length || !key.startsWith(prefix) || !key.endsWith(suffix)) continue;
    const segment = key.slice(prefix.length, key.length - suffix.length);
    // Only the canonical spelling is accepted: "team_012" would otherwise alias "team_12".
    if (isCanonicalId(segment)) return { kind, [field]: segment } as ParsedCacheKey;
    badSegment ??= segment;
  }
  const reason =
    badSegment === undefined
      ? `it matches none of ${PATTERNS}`
      : `${describeInput(badSegment)} is not a canonical id (positive integer without leading zeros, or lower-case UUID)`;
  throw new DomainError(DomainErrorCodes.INVALID_KEY, `invalid cache key ${describeInput(key)}: ${reason}`);
}

function isCanonicalId(segment: string): boolean {
  try {
    return parseId(segment) === segment;
  } catch {
    return false;
  }
}

// Lower-case identifier as Postgres would fold it, at most 63 characters; it cannot contain ":".
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Invalidation tag builders; the prefixes keep `team:12`, `integration:12` and `table:…` apart. */
export const tags = Object.freeze({
  /** Carried by every entry derived from one team. */
  team: (teamId: IdInput): CacheTag => `team:${parseId(teamId)}` as CacheTag,
  /** Carried by every entry derived from one integration. */
  integration: (integrationId: IdInput): CacheTag => `integration:${parseId(integrationId)}` as CacheTag,
  /** Carried by query-cache entries that read a table, so a write to it drops them. */
  table: (name: string): CacheTag => {
    if (typeof name !== 'string' || !TABLE_NAME.test(name)) {
      throw new DomainError(
        DomainErrorCodes.INVALID_TAG,
        `invalid table name ${describeInput(name)}: expected a lower-case SQL identifier of at most 63 characters`,
      );
    }
    return `table:${name}` as CacheTag;
  },
});

/**
 * The Redis Cluster hash tag `{team_12}` for one team: a Redis tier puts it in the storage key of
 * `team_{id}`, `team_{id}_integrations` and `team_{id}_metrics` so they share a slot and can be
 * read or deleted in one multi-key command. `teams`, `integration_{id}`, `metrics_{id}` and
 * `last_sync_{id}` carry no team id, so they get no team hash tag and hash on their own.
 */
export function teamHashTag(teamId: IdInput): string {
  return `{team_${parseId(teamId)}}`;
}
