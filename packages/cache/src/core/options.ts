/** Cache options, their defaults (here and nowhere else) and their validation. */

import { systemClock } from '../clock.ts';
import { createEntryCodec, type EntryCodecOptions } from '../codec/entry-codec.ts';
import { CacheOptionsError } from '../errors.ts';
import type { Clock, DistributedLock, EntryCodec, InvalidationBus, Ms, TagStore, Tier } from '../types.ts';
import { checkDuration, checkInt, DEFAULT_MAX_KEY_LENGTH } from '../validate.ts';
import { DIAGNOSTICS_CHANNEL } from './events.ts';
import { memoryTagStore } from './tag-store.ts';

/** Options of `createCache`. */
export interface CacheOptions {
  /** Tiers, fastest first. Each keeps entries for at most its own `ttl`. */
  tiers: readonly Tier[];
  /**
   * How long a value is fresh, unless a call says otherwise (ms).
   * @default 60_000
   */
  ttl?: Ms;
  /**
   * How long past freshness a value is kept to be served stale (stale-while-revalidate, and
   * when the factory fails). 0 disables.
   * @default 0
   */
  grace?: Ms;
  /**
   * When `getOrSet` finds a stale value, how long to wait for the refresh before answering
   * with the stale value (the refresh goes on). 0 answers at once (stale-while-revalidate).
   * @default 0
   */
  softTimeout?: Ms;
  /**
   * Refresh-ahead, as a fraction of the TTL (0 to 1): a `getOrSet`/`getOrSetMany` hit in the last
   * part of its freshness is returned at once and starts one background refresh, so hot keys
   * never expire under load. 0 disables.
   * @default 0
   */
  refreshAhead?: number;
  /** Source of time for every TTL decision. @default the system clock */
  clock?: Clock;
  /**
   * Names the family of a key (`team_12_metrics` → `team_metrics`), for counters and timing
   * histograms per family in `stats().families` and `family` on operation events. Called once
   * per key (remembered); keep the number of families small (at most 500 are tracked).
   */
  family?: (key: string) => string;
  /** Codec settings (compression threshold, encryption) for tiers that store strings. */
  codec?: EntryCodecOptions | EntryCodec;
  /**
   * Deadline of one call to an asynchronous tier (ms). Past it the call counts as a miss.
   * @default 50
   */
  tierDeadline?: Ms;
  /** Deadline of administrative calls (clear, keys, prune) on asynchronous tiers. @default 5_000 */
  adminDeadline?: Ms;
  /** Circuit breaker of asynchronous tiers. */
  breaker?: {
    /** Consecutive failures that open it. @default 5 */
    failures?: number;
    /** How long it stays open before one probe call is let through (ms). @default 5_000 */
    cooldown?: Ms;
  };
  /** Carries deletes, clears and tag invalidations to other instances. */
  bus?: InvalidationBus;
  /**
   * While the bus reports itself down (connection lost, heartbeat late), local copies (memory
   * tiers) are served only if produced less than this long ago (ms); older reads go to the
   * shared tiers or the source. This bounds how long a value changed on another instance is
   * served here: this long plus the bus's detection time. When the bus is back, local tiers are
   * dropped. 0 bypasses local tiers entirely while the bus is down.
   * @default 1_000
   */
  busDownL1Ttl?: Ms;
  /** Where tag invalidation times live. @default in-process */
  tagStore?: TagStore;
  /** Cross-process lock for `getOrSet` (`lock: true` per call, or `lockByDefault`). */
  lock?: DistributedLock;
  /** Use the lock on every `getOrSet` unless the call says `lock: false`. @default false */
  lockByDefault?: boolean;
  /** How long the lock is held at most (ms). @default 10_000 */
  lockTtl?: Ms;
  /**
   * How long a caller waits for another process's lock on a key before it loads without it (ms).
   * A holder that crashed, or a lock taken by a SET whose answer was lost, stays until `lockTtl`;
   * no request should wait that long. A waiter also stops sooner when the lock service stops
   * answering (the Redis lock's per-check deadline). At most `lockTtl`. @default lockTtl
   */
  lockWait?: Ms;
  /** How often expired entries are swept (ms); 0 disables the timer. @default 60_000 */
  sweepInterval?: Ms;
  /** The longest logical key, in characters. @default 512 */
  maxKeyLength?: number;
  /**
   * One in this many synchronous tier reads is timed (timing every read would double its cost).
   * @default 64
   */
  timingSampleEvery?: number;
  /** Keys of failed writes/deletes remembered for repair when a tier comes back. @default 10_000 */
  maxPendingRepairs?: number;
  /**
   * How long a delete fences its keys in shared tiers against refreshes that read the source
   * before it (see `tiers/fence.ts`); longer than any factory takes. @default 60_000
   */
  fenceTtl?: Ms;
  /**
   * How long tag invalidations are remembered. A tagged entry never lives longer than this, so
   * older invalidations can be forgotten (the sweep prunes them) without reviving anything.
   * @default 7 days
   */
  tagRetention?: Ms;
  /**
   * The `node:diagnostics_channel` name every event is published on; `false` for none.
   * @default 'cache'
   */
  diagnosticsChannel?: string | false;
}

/** Options after defaults, as the engine uses them. */
export interface ResolvedOptions {
  readonly tiers: readonly Tier[];
  readonly ttl: Ms;
  readonly grace: Ms;
  readonly softTimeout: Ms;
  readonly refreshAhead: number;
  readonly clock: Clock;
  readonly family: ((key: string) => string) | undefined;
  readonly codec: EntryCodec;
  readonly tierDeadline: Ms;
  readonly adminDeadline: Ms;
  readonly breakerFailures: number;
  readonly breakerCooldown: Ms;
  readonly bus: InvalidationBus | undefined;
  readonly busDownL1Ttl: Ms;
  readonly tagStore: TagStore;
  readonly lock: DistributedLock | undefined;
  readonly lockByDefault: boolean;
  readonly lockTtl: Ms;
  readonly lockWait: Ms;
  readonly sweepInterval: Ms;
  readonly maxKeyLength: number;
  readonly timingSampleEvery: number;
  readonly maxPendingRepairs: number;
  readonly fenceTtl: Ms;
  readonly tagRetention: Ms;
  readonly diagnosticsChannel: string | false;
}

const TIER_METHODS = ['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'clear', 'keys', 'stats'] as const;

function isCodec(value: unknown): value is EntryCodec {
  return typeof (value as EntryCodec | undefined)?.encode === 'function';
}

/** Throws unless `value` is undefined or a number in [0, 1). */
export function checkFraction(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new CacheOptionsError(`${name} must be a fraction of the TTL, from 0 (off) to below 1; got ${String(value)}`);
  }
}

/** Applies defaults and validates; throws `CacheOptionsError` naming the bad option. */
export function resolveOptions(options: CacheOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw new CacheOptionsError('createCache needs an options object');
  const { tiers } = options;
  if (!Array.isArray(tiers) || tiers.length === 0) throw new CacheOptionsError('tiers must be a non-empty array');
  const names = new Set<string>();
  tiers.forEach((tier: Tier, i) => {
    for (const method of TIER_METHODS) {
      if (typeof (tier as unknown as Record<string, unknown>)?.[method] !== 'function') {
        throw new CacheOptionsError(`tiers[${i}] is not a tier: it has no ${method}() method`);
      }
    }
    if (typeof tier.sync !== 'boolean') throw new CacheOptionsError(`tiers[${i}].sync must be true or false`);
    if (!tier.sync && typeof tier.guard !== 'function')
      throw new CacheOptionsError(`tiers[${i}] has no guard (remoteGuard)`);
    if (names.has(tier.name))
      throw new CacheOptionsError(`two tiers are named "${tier.name}"; give each a unique name`);
    names.add(tier.name);
  });
  checkDuration('ttl', options.ttl);
  checkDuration('grace', options.grace, { allowZero: true });
  checkDuration('softTimeout', options.softTimeout, { allowZero: true });
  checkFraction('refreshAhead', options.refreshAhead);
  checkDuration('tierDeadline', options.tierDeadline);
  checkDuration('adminDeadline', options.adminDeadline);
  checkInt('breaker.failures', options.breaker?.failures, 1);
  checkDuration('breaker.cooldown', options.breaker?.cooldown);
  checkDuration('lockTtl', options.lockTtl);
  checkDuration('lockWait', options.lockWait);
  checkDuration('busDownL1Ttl', options.busDownL1Ttl, { allowZero: true });
  checkDuration('sweepInterval', options.sweepInterval, { allowZero: true });
  checkInt('maxKeyLength', options.maxKeyLength, 1, 10_000);
  checkInt('timingSampleEvery', options.timingSampleEvery, 1);
  checkInt('maxPendingRepairs', options.maxPendingRepairs, 0);
  checkDuration('fenceTtl', options.fenceTtl);
  checkDuration('tagRetention', options.tagRetention);
  const channel = options.diagnosticsChannel;
  if (channel !== undefined && channel !== false && (typeof channel !== 'string' || channel.length === 0)) {
    throw new CacheOptionsError('diagnosticsChannel must be a non-empty string or false');
  }
  if (options.family !== undefined && typeof options.family !== 'function') {
    throw new CacheOptionsError('family must be a function from key to family name');
  }
  if (options.lockByDefault && !options.lock) throw new CacheOptionsError('lockByDefault needs a lock');

  return {
    tiers,
    ttl: options.ttl ?? 60_000,
    grace: options.grace ?? 0,
    softTimeout: options.softTimeout ?? 0,
    refreshAhead: options.refreshAhead ?? 0,
    clock: options.clock ?? systemClock,
    family: options.family,
    codec: isCodec(options.codec) ? options.codec : createEntryCodec(options.codec),
    tierDeadline: options.tierDeadline ?? 50,
    adminDeadline: options.adminDeadline ?? 5_000,
    breakerFailures: options.breaker?.failures ?? 5,
    breakerCooldown: options.breaker?.cooldown ?? 5_000,
    bus: options.bus,
    busDownL1Ttl: options.busDownL1Ttl ?? 1_000,
    tagStore: options.tagStore ?? memoryTagStore(),
    lock: options.lock,
    lockByDefault: options.lockByDefault ?? false,
    lockTtl: options.lockTtl ?? 10_000,
    lockWait: Math.min(options.lockWait ?? Number.POSITIVE_INFINITY, options.lockTtl ?? 10_000),
    sweepInterval: options.sweepInterval ?? 60_000,
    maxKeyLength: options.maxKeyLength ?? DEFAULT_MAX_KEY_LENGTH,
    timingSampleEvery: options.timingSampleEvery ?? 64,
    maxPendingRepairs: options.maxPendingRepairs ?? 10_000,
    fenceTtl: options.fenceTtl ?? 60_000,
    tagRetention: options.tagRetention ?? 7 * 86_400_000,
    diagnosticsChannel: channel ?? DIAGNOSTICS_CHANNEL,
  };
}
