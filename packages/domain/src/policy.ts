/**
 * The TTL policy of the cache keys as data: one row per key kind, read by the browser, the
 * server tiers and the invalidation code, so a TTL or an invalidation rule lives in one place.
 */
import { z } from 'zod';
import { DomainError, DomainErrorCodes, describeInput } from './errors.ts';
import {
  type DomainEvent,
  type DomainEventInput,
  DomainEventSchema,
  type DomainEventType,
  type IntegrationEventType,
} from './events.ts';
import { buildCacheKey, CACHE_KEY_KINDS, type CacheKey, type CacheKeyKind, parseCacheKey } from './keys.ts';

/** Where the browser keeps an entry: localStorage survives reloads, memory dies with the page. */
export type BrowserTier = 'localStorage' | 'memory';

/** One row of the policy table. Every duration is in milliseconds. */
export interface PolicyRow {
  /** The key kind this row governs. */
  readonly kind: CacheKeyKind;
  /** Browser tier of the default (shareable) variant. */
  readonly browserTier: BrowserTier;
  /** Browser TTL of the default variant. */
  readonly browserTtlMs: number;
  /** Browser tier of session-specific variants (filters, date ranges), or null when the kind has none. */
  readonly sessionVariantTier: BrowserTier | null;
  /** Browser TTL of session-specific variants, or null when the kind has none. */
  readonly sessionVariantTtlMs: number | null;
  /** Server shared (L2) TTL. (The in-process tier keeps every key for `CACHE_L1_TTL_MS`.) */
  readonly l2TtlMs: number;
  /**
   * How long past its TTL the server may still serve a value while its refresh fails (the source
   * is down). 0 for task results (a sync's metrics): a missing result is recomputed, never served
   * past its time.
   */
  readonly graceMs: number;
  /** The events after which this key is stale; {@link keysAffectedBy} is derived from these lists. */
  readonly invalidatedBy: readonly DomainEventType[];
}

/** A complete policy: one row per key kind. */
export type CachePolicy = { readonly [K in CacheKeyKind]: PolicyRow & { readonly kind: K } };

const LOCAL_STORAGE_TTL_MS = 259_200_000; // 3 days
const BROWSER_MEMORY_TTL_MS = 14_400_000; // 4 hours
const L2_TTL_MS = 3_600_000; // 1 hour, the worker's result retention
const GRACE_MS = 21_600_000; // 6 hours of serving the last good value while a source is down

type IntegrationScopedKind = 'integration' | 'integrationMetrics' | 'lastSync' | 'integrationMetricsHistory';

// Integration-scoped keys are built from the event's integrationId, so only integration events may list them.
type PolicyTableShape = {
  readonly [K in CacheKeyKind]: PolicyRow & {
    readonly kind: K;
    readonly invalidatedBy: readonly (K extends IntegrationScopedKind ? IntegrationEventType : DomainEventType)[];
  };
};

const TABLE = {
  teams: {
    kind: 'teams',
    browserTier: 'localStorage',
    browserTtlMs: LOCAL_STORAGE_TTL_MS,
    sessionVariantTier: null,
    sessionVariantTtlMs: null,
    l2TtlMs: L2_TTL_MS,
    graceMs: GRACE_MS,
    invalidatedBy: ['team.created', 'team.updated', 'team.deleted'],
  },
  team: {
    kind: 'team',
    browserTier: 'localStorage',
    browserTtlMs: LOCAL_STORAGE_TTL_MS,
    sessionVariantTier: null,
    sessionVariantTtlMs: null,
    l2TtlMs: L2_TTL_MS,
    graceMs: GRACE_MS,
    invalidatedBy: ['team.updated', 'team.deleted'],
  },
  teamIntegrations: {
    kind: 'teamIntegrations',
    browserTier: 'localStorage',
    browserTtlMs: LOCAL_STORAGE_TTL_MS,
    sessionVariantTier: null,
    sessionVariantTtlMs: null,
    l2TtlMs: L2_TTL_MS,
    graceMs: GRACE_MS,
    invalidatedBy: ['team.deleted', 'integration.created', 'integration.updated', 'integration.deleted'],
  },
  teamMetrics: {
    kind: 'teamMetrics',
    // Basic metrics are the same for every viewer and worth keeping across reloads; variants
    // built from one session's filters are not, so they stay in memory.
    browserTier: 'localStorage',
    browserTtlMs: LOCAL_STORAGE_TTL_MS,
    sessionVariantTier: 'memory',
    sessionVariantTtlMs: BROWSER_MEMORY_TTL_MS,
    l2TtlMs: L2_TTL_MS,
    graceMs: 0,
    invalidatedBy: ['team.deleted', 'integration.deleted', 'integration.synced'],
  },
  integration: {
    kind: 'integration',
    browserTier: 'localStorage',
    browserTtlMs: LOCAL_STORAGE_TTL_MS,
    sessionVariantTier: null,
    sessionVariantTtlMs: null,
    l2TtlMs: L2_TTL_MS,
    graceMs: GRACE_MS,
    // A sync changes the integration's status fields, so its details go stale too.
    invalidatedBy: ['integration.updated', 'integration.deleted', 'integration.synced'],
  },
  integrationMetrics: {
    kind: 'integrationMetrics',
    browserTier: 'memory',
    browserTtlMs: BROWSER_MEMORY_TTL_MS,
    sessionVariantTier: null,
    sessionVariantTtlMs: null,
    l2TtlMs: L2_TTL_MS,
    graceMs: 0,
    invalidatedBy: ['integration.deleted', 'integration.synced'],
  },
  lastSync: {
    kind: 'lastSync',
    browserTier: 'memory',
    browserTtlMs: BROWSER_MEMORY_TTL_MS,
    sessionVariantTier: null,
    sessionVariantTtlMs: null,
    l2TtlMs: L2_TTL_MS,
    graceMs: GRACE_MS,
    invalidatedBy: ['integration.deleted', 'integration.synced'],
  },
  // Daily points, computed by each sync; a range (`from`, `to`, `interval`) is a session variant.
  teamMetricsHistory: {
    kind: 'teamMetricsHistory',
    browserTier: 'memory',
    browserTtlMs: BROWSER_MEMORY_TTL_MS,
    sessionVariantTier: 'memory',
    sessionVariantTtlMs: BROWSER_MEMORY_TTL_MS,
    l2TtlMs: L2_TTL_MS,
    graceMs: 0,
    invalidatedBy: ['team.deleted', 'integration.deleted', 'integration.synced'],
  },
  integrationMetricsHistory: {
    kind: 'integrationMetricsHistory',
    browserTier: 'memory',
    browserTtlMs: BROWSER_MEMORY_TTL_MS,
    sessionVariantTier: 'memory',
    sessionVariantTtlMs: BROWSER_MEMORY_TTL_MS,
    l2TtlMs: L2_TTL_MS,
    graceMs: 0,
    invalidatedBy: ['integration.deleted', 'integration.synced'],
  },
} as const satisfies PolicyTableShape;

function freezePolicy<P extends CachePolicy>(policy: P): P {
  for (const kind of CACHE_KEY_KINDS) {
    Object.freeze(policy[kind].invalidatedBy);
    Object.freeze(policy[kind]);
  }
  return Object.freeze(policy);
}

/**
 * The default policy; frozen, since every process reads the same table. Typed as
 * {@link CachePolicy} rather than the literal table so `row.invalidatedBy.includes(type)` type-checks.
 */
export const DEFAULT_CACHE_POLICY: CachePolicy = freezePolicy(TABLE);

/** The row for a logical key; throws `E_INVALID_KEY` when the key is not of a known kind. */
export function policyFor(key: string, policy: CachePolicy = DEFAULT_CACHE_POLICY): PolicyRow {
  return policy[parseCacheKey(key).kind];
}

/** TTL overrides for one row (ms); the tiers stay fixed because the browser code depends on them. */
export interface TtlOverrides {
  readonly browserTtlMs?: number;
  readonly sessionVariantTtlMs?: number;
  readonly l2TtlMs?: number;
}

/** Overrides from configuration: `all` applies to every row first, then the per-kind entries. */
export type PolicyOverrides = { readonly all?: TtlOverrides } & { readonly [K in CacheKeyKind]?: TtlOverrides };

// One message for every way a TTL can be wrong, with the offending value in it.
const ttlError = (issue: { input?: unknown }) =>
  `must be a positive integer number of milliseconds, got ${describeInput(issue.input)}`;
const TtlMsSchema = z.number({ error: ttlError }).int({ error: ttlError }).positive({ error: ttlError }).optional();

const TtlOverridesSchema = z.strictObject({
  browserTtlMs: TtlMsSchema,
  sessionVariantTtlMs: TtlMsSchema,
  l2TtlMs: TtlMsSchema,
});

const PolicyOverridesSchema = z.partialRecord(z.enum(['all', ...CACHE_KEY_KINDS]), TtlOverridesSchema);

/**
 * The default policy with TTL overrides applied, validated up front so a bad config fails at
 * startup with `E_INVALID_POLICY` instead of producing entries that never (or always) expire.
 */
export function resolvePolicy(overrides: PolicyOverrides = {}): CachePolicy {
  const parsed = PolicyOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'overrides';
      return `${where}: ${issue.message}`;
    });
    throw new DomainError(DomainErrorCodes.INVALID_POLICY, `invalid cache policy: ${details.join('; ')}`, {
      cause: parsed.error,
    });
  }
  const { all = {}, ...byKind } = parsed.data;
  const resolved: Partial<Record<CacheKeyKind, PolicyRow>> = {};
  for (const kind of CACHE_KEY_KINDS) {
    const base = DEFAULT_CACHE_POLICY[kind];
    const own = byKind[kind] ?? {};
    const hasVariant = base.sessionVariantTtlMs !== null;
    if (!hasVariant && own.sessionVariantTtlMs !== undefined) {
      throw new DomainError(
        DomainErrorCodes.INVALID_POLICY,
        `invalid cache policy: ${kind}.sessionVariantTtlMs: ${kind} keys have no session-specific variant`,
      );
    }
    resolved[kind] = {
      ...base,
      ...definedOnly(all, hasVariant),
      ...definedOnly(own, hasVariant),
    };
  }
  return freezePolicy(resolved as CachePolicy);
}

// Drops absent fields so `{l2TtlMs: undefined}` keeps the default, and keeps `null` for kinds without variants.
function definedOnly(overrides: TtlOverrides, hasVariant: boolean): TtlOverrides {
  const out: { -readonly [K in keyof TtlOverrides]: TtlOverrides[K] } = {};
  if (overrides.browserTtlMs !== undefined) out.browserTtlMs = overrides.browserTtlMs;
  if (hasVariant && overrides.sessionVariantTtlMs !== undefined)
    out.sessionVariantTtlMs = overrides.sessionVariantTtlMs;
  if (overrides.l2TtlMs !== undefined) out.l2TtlMs = overrides.l2TtlMs;
  return out;
}

/**
 * The logical keys a write makes stale, derived from the table's `invalidatedBy` lists so the
 * table and the invalidation code cannot disagree. Throws `E_INVALID_EVENT` on a malformed event.
 */
export function keysAffectedBy(event: DomainEventInput): readonly CacheKey[] {
  const parsed = DomainEventSchema.safeParse(event);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`);
    throw new DomainError(DomainErrorCodes.INVALID_EVENT, `invalid domain event: ${details.join('; ')}`, {
      cause: parsed.error,
    });
  }
  const parsedEvent = parsed.data;
  const keys = CACHE_KEY_KINDS.filter((kind) =>
    DEFAULT_CACHE_POLICY[kind].invalidatedBy.includes(parsedEvent.type),
  ).map((kind) => keyFor(kind, parsedEvent));
  return Object.freeze(keys);
}

function keyFor(kind: CacheKeyKind, event: DomainEvent): CacheKey {
  switch (kind) {
    case 'teams':
      return buildCacheKey({ kind });
    case 'team':
    case 'teamIntegrations':
    case 'teamMetrics':
    case 'teamMetricsHistory':
      return buildCacheKey({ kind, teamId: event.teamId });
    case 'integration':
    case 'integrationMetrics':
    case 'lastSync':
    case 'integrationMetricsHistory':
      // PolicyTableShape already forbids this at compile time; the check narrows the event type.
      if (!('integrationId' in event)) {
        throw new TypeError(`policy table lists ${event.type} for ${kind}, but that event names no integration`);
      }
      return buildCacheKey({ kind, integrationId: event.integrationId });
  }
}
