/**
 * What the read path, the write path and the bus link share: the resolved options, the tiers
 * with their runtimes, the stats recorder, loads under way, and the few flags that invalidations
 * change (the epoch, the distrust of local copies while the bus is down, closed). Also the rules
 * every path applies to an entry: alive, tags valid, trusted.
 */
import { CacheClosedError, CacheEncryptionKeyMissingError, CacheEntryTooLargeError } from '../errors.ts';
import type { Entry, Ms, Tier } from '../types.ts';
import type { WriteOptions } from './api-types.ts';
import { CacheEvents } from './events.ts';
import { InFlight } from './in-flight.ts';
import type { ResolvedOptions } from './options.ts';
import { StatsRecorder } from './stats.ts';
import type { RemoteRuntime } from './tier-runtime.ts';
import { isEntryError, TierRuntime } from './tier-runtime.ts';

/** What a lookup found: the entry, the tier that held it, and whether it is past freshness. */
export interface Found {
  readonly entry: Entry;
  readonly tier: TierRuntime;
  readonly stale: boolean;
}

/** See the file comment. */
export class CacheState {
  readonly options: ResolvedOptions;
  readonly events: CacheEvents;
  readonly stats: StatsRecorder;
  readonly runtimes: readonly TierRuntime[];
  /** The first tier when it is synchronous (the fast path reads it), else `undefined`. */
  readonly first: TierRuntime | undefined;
  /** Loads and refreshes under way, and how invalidations reach them. */
  readonly inFlight = new InFlight();
  /** Bumped by every invalidation: a read that began before one must not promote what it read. */
  epoch = 0;
  /** The bus is down: local copies older than `busDownL1Ttl` are not served. */
  distrust = false;
  closed = false;
  readonly #needsEncryption: boolean;
  #lastStamp = 0;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.events = new CacheEvents(options.diagnosticsChannel);
    const stats = new StatsRecorder(options.family, options.tiers.length);
    this.stats = stats;
    const families = stats.families !== undefined;
    const settings = {
      clock: options.clock,
      events: this.events,
      breakerFailures: options.breakerFailures,
      breakerCooldown: options.breakerCooldown,
      maxPendingRepairs: options.maxPendingRepairs,
      keysFailed: families ? (index: number, keys: readonly string[]) => stats.keysFailed(index, keys) : undefined,
    };
    this.runtimes = options.tiers.map((tier, i) => {
      tier.attach?.({
        clock: options.clock,
        codec: options.codec,
        evicted: families ? (key: string) => stats.evicted(i, key) : undefined,
      });
      // An asynchronous tier brings its own runtime (deadline, breaker, repairs): see `remote-runtime.ts`.
      const Runtime = tier.sync ? TierRuntime : (tier.guard as unknown as typeof TierRuntime);
      return new Runtime(tier, i, settings);
    });
    this.first = options.tiers[0]?.sync ? this.runtimes[0] : undefined;
    this.#needsEncryption = options.tiers.some((tier) => tier.shared && !tier.refusesSensitive);
  }

  /** A strictly increasing timestamp (ms, fractional within one ms) for createdAt and tag times. */
  stamp(): Ms {
    const now = this.options.clock.now();
    this.#lastStamp = now > this.#lastStamp ? now : this.#lastStamp + 0.001;
    return this.#lastStamp;
  }

  /** Stamps later writes after `at` (another instance's invalidation), whatever our clock says. */
  stampAfter(at: Ms): void {
    if (at > this.#lastStamp) this.#lastStamp = at;
  }

  /** Whether no tag of `entry` was invalidated after it was created. */
  tagsValid(entry: Entry): boolean {
    const tags = entry.tags;
    if (tags === undefined) return true;
    const store = this.options.tagStore;
    for (let i = 0; i < tags.length; i++) {
      const at = store.invalidatedAt(tags[i]!);
      if (at !== undefined && entry.createdAt <= at) return false;
    }
    return true;
  }

  /** Whether a local copy created at `createdAt` is distrusted now (the bus is down). */
  distrusted(rt: TierRuntime, createdAt: Ms, now: Ms): boolean {
    return this.distrust && rt.local && now - createdAt >= this.options.busDownL1Ttl;
  }

  /** The entry if it is alive and its tags are valid; drops dead local copies on the way. */
  usable(rt: TierRuntime, entry: Entry | undefined, key: string, now: Ms): Entry | undefined {
    if (entry === undefined) return undefined;
    // A failed write or delete of this key is not repaired yet: this may be the value it replaced.
    if (rt.pendingRepairs > 0 && (rt as RemoteRuntime).awaitsRepair(key)) return undefined;
    if (entry.staleUntil > now && this.tagsValid(entry)) {
      // The bus is down: a local copy may have missed its invalidation. Not served, not dropped.
      if (this.distrusted(rt, entry.createdAt, now)) return undefined;
      return entry;
    }
    if (rt.tier.sync) rt.tier.delete(key);
    return undefined;
  }

  /**
   * Whether a fresh `entry` is in the last `fraction` of its lifetime (a refresh-ahead is due).
   * The lifetime runs from the source read (`createdAt`) to `expiresAt`.
   */
  nearExpiry(entry: Entry, fraction: number): boolean {
    return this.options.clock.now() >= entry.expiresAt - fraction * (entry.expiresAt - entry.createdAt);
  }

  /** Builds an entry for `value` with the cache's defaults applied. */
  buildEntry(value: unknown, options: WriteOptions, createdAt: Ms = this.stamp()): Entry {
    const o = this.options;
    const expiresAt = o.clock.now() + (options.ttl ?? o.ttl);
    const entry: { -readonly [K in keyof Entry]: Entry[K] } = {
      value,
      createdAt,
      expiresAt,
      staleUntil: expiresAt + (options.grace ?? o.grace),
    };
    if (options.tags !== undefined && options.tags.length > 0) {
      entry.tags = options.tags;
      // Tag invalidations are forgotten after `tagRetention`: a tagged entry must not outlive them.
      const limit = createdAt + o.tagRetention;
      if (entry.staleUntil > limit) {
        entry.staleUntil = limit;
        entry.expiresAt = Math.min(entry.expiresAt, limit);
      }
    }
    if (options.etag !== undefined) entry.etag = options.etag;
    if (options.sensitive) entry.sensitive = true;
    return entry;
  }

  /** Refuses, before anything is written, a sensitive entry that a shared tier could not encrypt. */
  checkWritable(key: string, sensitive: boolean | undefined): void {
    if (this.closed) throw new CacheClosedError();
    if (sensitive && this.#needsEncryption && !this.options.codec.canEncrypt) {
      throw new CacheEncryptionKeyMissingError(key);
    }
  }

  /**
   * Writes to a synchronous tier. A refused entry (too large, unserializable) is counted, and
   * with `announce` its old copy is dropped and the refusal reported; a size refusal is returned.
   */
  setLocal(
    rt: TierRuntime,
    key: string,
    entry: Entry,
    ttl: Ms,
    announce: boolean,
  ): CacheEntryTooLargeError | undefined {
    try {
      rt.tier.set(key, entry, ttl);
      return undefined;
    } catch (error) {
      if (!isEntryError(error)) throw error;
      rt.writeRefusals++;
      if (!announce) return undefined;
      rt.tier.delete(key);
      this.events.emit({ type: 'write-refused', key, tier: rt.tier.name, error });
      return error instanceof CacheEntryTooLargeError ? error : undefined;
    }
  }

  /** Drops `keys` from the synchronous tiers (`onlyLocal`: not from shared ones) and stops their loads. */
  dropKeys(keys: readonly string[], onlyLocal = false): void {
    this.epoch++;
    for (const key of keys) this.inFlight.detach(key, true);
    for (const rt of this.runtimes) if (syncTier(rt.tier, onlyLocal)) rt.tier.deleteMany(keys);
  }

  /** Clears `prefix` (everything when empty) from the synchronous tiers and stops its loads. */
  dropPrefix(prefix: string, onlyLocal = false): void {
    this.epoch++;
    this.inFlight.detachPrefix(prefix);
    for (const rt of this.runtimes) if (syncTier(rt.tier, onlyLocal)) rt.tier.clear(prefix || undefined);
  }
}

function syncTier(tier: Tier, onlyLocal: boolean): boolean {
  return tier.sync && !(onlyLocal && tier.shared);
}
