/**
 * The cache engine: walks tiers, promotes hits, writes, invalidates, runs factories once per key,
 * and listens to the invalidation bus. Works on full (namespaced, validated) keys only; the
 * public `Cache` in `cache.ts` validates keys and applies namespaces before calling in.
 */
import { CacheClosedError, CacheEncryptionKeyMissingError, CacheEntryTooLargeError } from '../errors.ts';
import { estimateSize } from '../size.ts';
import type { AsyncTier, BusMessage, Entry, Ms, Tier, TierSetItem } from '../types.ts';
import type { Factory, GetOrSetOptions, WriteOptions } from './api-types.ts';
import { BatchLoader, type GetOrSetManyOptions, type LoadMany } from './batch-loader.ts';
import { CacheEvents } from './events.ts';
import { Families, type FamilyCounters, type FamilyTierCounters } from './families.ts';
import { InFlight, type Resolution } from './in-flight.ts';
import { Loader } from './loader.ts';
import type { KeyOutcome } from './operations.ts';
import type { ResolvedOptions } from './options.ts';
import { isEntryError, TierRuntime } from './tier-runtime.ts';

/** What `lookup` found: the entry, the tier that held it, and whether it is past freshness. */
export interface Found {
  readonly entry: Entry;
  readonly tier: TierRuntime;
  readonly stale: boolean;
}

const noop = (): void => {};

/** See the file comment. */
export class CacheEngine {
  readonly events: CacheEvents;
  readonly runtimes: readonly TierRuntime[];
  readonly counters = {
    getOrSetCalls: 0,
    getOrSetManyCalls: 0,
    staleServes: 0,
    graceServes: 0,
    factoryCalls: 0,
    factoryErrors: 0,
    factoryTimeouts: 0,
    singleFlightJoins: 0,
    lockWaits: 0,
    lockTakeovers: 0,
    lockErrors: 0,
    tagInvalidations: 0,
    busPublished: 0,
    busReceived: 0,
    busErrors: 0,
    busGaps: 0,
    busDowns: 0,
    refreshAheads: 0,
    batchLoads: 0,
    batchLoadedKeys: 0,
  };
  readonly #o: ResolvedOptions;
  readonly #first: TierRuntime | undefined;
  /** Per-family counters; `undefined` when the cache has no `family` option. */
  readonly families: Families | undefined;
  /** Loads and refreshes under way, and how invalidations reach them. */
  readonly inFlight = new InFlight();
  readonly #loader: Loader;
  readonly #batchLoader: BatchLoader;
  readonly #sweepTimer: ReturnType<typeof setInterval> | undefined;
  readonly #needsEncryption: boolean;
  #lastStamp = 0;
  #epoch = 0;
  #sampleCountdown: number;
  #sweeping = false;
  #closed = false;
  readonly #subscribed: Promise<void>;
  #busHealthy = true;
  /** The bus is unhealthy: local copies older than `busDownL1Ttl` are not served. */
  #distrust = false;
  #gapSinceDown = true;

  constructor(options: ResolvedOptions) {
    this.#o = options;
    this.events = new CacheEvents(options.diagnosticsChannel);
    const families = options.family ? new Families(options.family, options.tiers.length) : undefined;
    this.families = families;
    const settings = {
      clock: options.clock,
      events: this.events,
      breakerFailures: options.breakerFailures,
      breakerCooldown: options.breakerCooldown,
      maxPendingRepairs: options.maxPendingRepairs,
      keysFailed: families && ((index: number, keys: readonly string[]) => this.#familyErrors(index, keys)),
    };
    this.runtimes = options.tiers.map((tier, i) => {
      tier.attach?.({
        clock: options.clock,
        codec: options.codec,
        evicted: families && ((key: string) => families.of(key).tiers[i]!.evictions++),
      });
      return new TierRuntime(tier, i, settings);
    });
    this.#first = options.tiers[0]?.sync ? this.runtimes[0] : undefined;
    this.#needsEncryption = options.tiers.some((tier) => tier.shared && !tier.refusesSensitive);
    this.#sampleCountdown = options.timingSampleEvery;
    this.#loader = new Loader(this);
    this.#batchLoader = new BatchLoader(this);
    if (options.sweepInterval > 0 && options.sweepInterval !== Number.POSITIVE_INFINITY) {
      this.#sweepTimer = setInterval(() => void this.sweep().catch(noop), options.sweepInterval);
      (this.#sweepTimer as { unref?: () => void }).unref?.();
    }
    const bus = options.bus;
    this.#subscribed = bus
      ? bus
          .subscribe({
            onMessage: (message) => this.#receive(message),
            onGap: () => this.#gap(),
            onHealth: (healthy) => this.#setBusHealth(healthy),
          })
          .then(() => this.#setBusHealth(bus.healthy ?? true))
      : Promise.resolve();
    this.#subscribed.catch((error: unknown) => {
      this.counters.busErrors++;
      this.events.emit({ type: 'tier-error', tier: 'bus', op: 'subscribe', error });
    });
  }

  /** Whether the bus delivers invalidations now (always true without a bus). */
  get busHealthy(): boolean {
    return this.#busHealthy;
  }

  /** Resolves when the bus is subscribed (at once without one); rejects if subscribing failed. */
  async ready(): Promise<void> {
    await this.#subscribed;
    await this.#o.bus?.ready?.();
  }

  get options(): ResolvedOptions {
    return this.#o;
  }

  /** A strictly increasing timestamp (ms, fractional within one ms) for createdAt and tag times. */
  stamp(): Ms {
    const now = this.#o.clock.now();
    this.#lastStamp = now > this.#lastStamp ? now : this.#lastStamp + 0.001;
    return this.#lastStamp;
  }

  /** Whether no tag of `entry` was invalidated after it was created. */
  tagsValid(entry: Entry): boolean {
    const tags = entry.tags;
    if (tags === undefined) return true;
    const store = this.#o.tagStore;
    for (let i = 0; i < tags.length; i++) {
      const at = store.invalidatedAt(tags[i]!);
      if (at !== undefined && entry.createdAt <= at) return false;
    }
    return true;
  }

  /**
   * The hot path: a fresh, valid entry from a synchronous first tier, or `undefined` (the caller
   * then takes the full path, which counts the miss). One map lookup and one clock read.
   * `family`: the first-tier counters of the key's family when the caller has them at hand.
   */
  fastGet(key: string, family?: FamilyTierCounters): Entry | undefined {
    const rt = this.#first;
    if (rt === undefined) return undefined;
    let entry: Entry | undefined;
    if (--this.#sampleCountdown === 0) {
      this.#sampleCountdown = this.#o.timingSampleEvery;
      const started = performance.now();
      entry = rt.tier.get(key) as Entry | undefined;
      rt.time('get', performance.now() - started);
    } else {
      entry = rt.tier.get(key) as Entry | undefined;
    }
    if (entry === undefined) return undefined;
    const now = this.#o.clock.now();
    if (now >= entry.expiresAt) return undefined;
    if (entry.tags !== undefined && !this.tagsValid(entry)) return undefined;
    if (this.#distrust && rt.local && now - entry.createdAt >= this.#o.busDownL1Ttl) return undefined;
    rt.hits++;
    if (this.families !== undefined) (family ?? this.families.of(key).tiers[0]!).hits++;
    if (this.events.reading) this.events.emit({ type: 'hit', key, tier: rt.tier.name, stale: false });
    return entry;
  }

  /** Reads only the leading synchronous tiers (browser memory + storage): no promise at all. */
  getSync(key: string): { entry: Entry; tier: string } | undefined {
    const now = this.#o.clock.now();
    const family = this.families?.of(key);
    for (const rt of this.runtimes) {
      if (!rt.tier.sync) break;
      const entry = this.#usable(rt, rt.tier.get(key), key, now);
      if (entry !== undefined && now < entry.expiresAt) {
        rt.hits++;
        if (family !== undefined) family.tiers[rt.index]!.hits++;
        this.#promote(key, entry, rt.index, now, this.#epoch);
        return { entry, tier: rt.tier.name };
      }
      rt.misses++;
      if (family !== undefined) family.tiers[rt.index]!.misses++;
    }
    if (family !== undefined) family.misses++;
    return undefined;
  }

  /** Walks every tier; returns the first fresh entry (promoted), else the first stale one. */
  async lookup(key: string, recheck = false): Promise<Found | undefined> {
    const now = this.#o.clock.now();
    const epoch = this.#epoch;
    const family = this.families?.of(key);
    // A re-check under the lock is part of a read already counted once for its family.
    const counted = recheck ? undefined : family;
    let stale: Found | undefined;
    for (const rt of this.runtimes) {
      const tier = rt.tier;
      let raw: Entry | undefined;
      if (tier.sync) raw = tier.get(key);
      else if (family === undefined) raw = await rt.call('get', this.#o.tierDeadline, () => tier.get(key), undefined);
      else {
        const started = performance.now();
        raw = await rt.call('get', this.#o.tierDeadline, () => tier.get(key), undefined, undefined, [key]);
        family.tiers[rt.index]!.readTime.record(performance.now() - started);
      }
      const entry = this.#usable(rt, raw, key, now);
      if (entry === undefined) {
        rt.misses++;
        if (family !== undefined) family.tiers[rt.index]!.misses++;
        continue;
      }
      if (now < entry.expiresAt) {
        rt.hits++;
        if (family !== undefined) {
          family.tiers[rt.index]!.hits++;
          if (recheck) family.recheckHits++;
        }
        if (this.events.reading) this.events.emit({ type: 'hit', key, tier: tier.name, stale: false });
        this.#promote(key, entry, rt.index, now, epoch);
        return { entry, tier: rt, stale: false };
      }
      // Stale here; a slower tier may still hold a fresher copy, so keep walking.
      rt.staleHits++;
      if (family !== undefined) family.tiers[rt.index]!.staleHits++;
      stale ??= { entry, tier: rt, stale: true };
    }
    if (counted !== undefined) counted.misses++;
    if (stale === undefined && this.events.reading) this.events.emit({ type: 'miss', key });
    return stale;
  }

  /** Batch read: one call per tier for the keys still missing. Fresh values only. */
  async getMany(keys: readonly string[]): Promise<(Entry | undefined)[]> {
    const found = await this.lookupMany(keys, false);
    const out = new Array<Entry | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = found[i]?.entry;
    return out;
  }

  /**
   * Batch `lookup`: one call per tier for the keys still without a fresh entry, fresh hits
   * promoted. With `keepStale`, a key with only a stale entry gets it (the first one found);
   * without, such keys are `undefined`.
   */
  async lookupMany(keys: readonly string[], keepStale: boolean, fromTier = 0): Promise<(Found | undefined)[]> {
    const families = this.families;
    const now = this.#o.clock.now();
    const epoch = this.#epoch;
    const results = new Array<Found | undefined>(keys.length);
    let missing: number[] | undefined;
    let asked: readonly string[] = keys;
    let promotions: Found[] | undefined;
    let promotedKeys: string[] | undefined;
    for (let t = fromTier; t < this.runtimes.length; t++) {
      const rt = this.runtimes[t]!;
      if (asked.length === 0) break;
      const tier = rt.tier;
      const started = families === undefined || tier.sync ? 0 : performance.now();
      const got = tier.sync
        ? tier.getMany(asked)
        : await rt.call(
            'getMany',
            this.#o.tierDeadline,
            () => tier.getMany(asked),
            new Array<Entry | undefined>(asked.length),
            undefined,
            families && asked,
          );
      const readMs = started === 0 ? 0 : performance.now() - started;
      const still: number[] = [];
      const stillKeys: string[] = [];
      for (let n = 0; n < asked.length; n++) {
        const i = missing === undefined ? n : missing[n]!;
        const key = asked[n]!;
        const entry = this.#usable(rt, got[n], key, now);
        if (families !== undefined) {
          const counters = families.of(key).tiers[rt.index]!;
          if (entry === undefined) counters.misses++;
          else if (now < entry.expiresAt) counters.hits++;
          else counters.staleHits++;
          if (started !== 0) counters.readTime.record(readMs);
        }
        if (entry !== undefined && now < entry.expiresAt) {
          rt.hits++;
          const found: Found = { entry, tier: rt, stale: false };
          results[i] = found;
          if (rt.index > 0) {
            promotions ??= [];
            promotedKeys ??= [];
            promotions.push(found);
            promotedKeys.push(key);
          }
          continue;
        }
        if (entry === undefined) rt.misses++;
        else {
          rt.staleHits++;
          if (keepStale && results[i] === undefined) results[i] = { entry, tier: rt, stale: true };
        }
        still.push(i);
        stillKeys.push(key);
      }
      missing = still;
      asked = stillKeys;
    }
    if (families !== undefined) {
      // Fresh hits were counted per tier above; a family's hits are their sum.
      for (let i = 0; i < keys.length; i++)
        if (results[i] === undefined || results[i]!.stale) families.of(keys[i]!).misses++;
    }
    if (promotions !== undefined) this.#promoteMany(promotions, promotedKeys!, now, epoch);
    return results;
  }

  /**
   * Reads `keys` from the first tier in one call when it is synchronous (`undefined` when it is
   * not): a fresh or stale entry per key, counted like `lookup` counts.
   */
  firstMany(keys: readonly string[]): (Found | undefined)[] | undefined {
    const rt = this.#first;
    if (rt === undefined) return undefined;
    const now = this.#o.clock.now();
    const got = rt.tier.getMany(keys) as (Entry | undefined)[];
    const out = new Array<Found | undefined>(keys.length);
    const families = this.families;
    for (let i = 0; i < keys.length; i++) {
      const entry = this.#usable(rt, got[i], keys[i]!, now);
      const family = families?.of(keys[i]!);
      if (entry === undefined) {
        rt.misses++;
        if (family !== undefined) family.tiers[0]!.misses++;
      } else if (now < entry.expiresAt) {
        rt.hits++;
        if (family !== undefined) family.tiers[0]!.hits++;
        out[i] = { entry, tier: rt, stale: false };
      } else {
        rt.staleHits++;
        if (family !== undefined) family.tiers[0]!.staleHits++;
        out[i] = { entry, tier: rt, stale: true };
      }
    }
    return out;
  }

  /** Builds an entry for `value` with the cache's defaults applied. */
  buildEntry(value: unknown, options: WriteOptions, createdAt: Ms = this.stamp()): Entry {
    const now = this.#o.clock.now();
    const ttl = options.ttl ?? this.#o.ttl;
    const grace = options.grace ?? this.#o.grace;
    const expiresAt = now + ttl;
    const entry: { -readonly [K in keyof Entry]: Entry[K] } = {
      value,
      createdAt,
      expiresAt,
      staleUntil: expiresAt + grace,
    };
    if (options.tags !== undefined && options.tags.length > 0) {
      entry.tags = options.tags;
      // Tag invalidations are forgotten after `tagRetention`: a tagged entry must not outlive them.
      const limit = createdAt + this.#o.tagRetention;
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
    if (this.#closed) throw new CacheClosedError();
    if (sensitive && this.#needsEncryption && !this.#o.codec.canEncrypt) throw new CacheEncryptionKeyMissingError(key);
  }

  /**
   * Writes one entry to every tier (asynchronous ones in parallel, each under its deadline).
   * A tier that refuses the entry drops its old copy so it cannot serve it. Returns the first
   * size refusal, which `set` throws and `getOrSet` only counts.
   */
  async write(key: string, entry: Entry, fenced = false): Promise<CacheEntryTooLargeError | undefined> {
    const now = this.#o.clock.now();
    const keep = entry.staleUntil - now;
    if (keep <= 0) return undefined;
    let refused: CacheEntryTooLargeError | undefined;
    const pending: Promise<unknown>[] = [];
    const family = this.families?.of(key);
    const bytes = family === undefined ? 0 : estimateSize(entry.value);
    for (const rt of this.runtimes) {
      const tier = rt.tier;
      const ttl = Math.min(tier.ttl ?? keep, keep);
      if (family !== undefined) {
        const counters = family.tiers[rt.index]!;
        counters.writes++;
        counters.bytesWritten += bytes;
      }
      if (tier.sync) {
        try {
          tier.set(key, entry, ttl);
          rt.writes++;
        } catch (error) {
          if (!isEntryError(error)) throw error;
          tier.delete(key);
          rt.writeRefusals++;
          this.events.emit({ type: 'write-refused', key, tier: tier.name, error });
          if (error instanceof CacheEntryTooLargeError) refused ??= error;
        }
      } else if (fenced && tier.setFenced) {
        rt.writes++;
        pending.push(
          rt
            .call('set', this.#o.tierDeadline, () => tier.setFenced!(key, entry, ttl), true, [key])
            .then((written) => {
              if (written) return;
              // A writer on some instance invalidated this key after our source read: our value is
              // old. Take back the copies we already put in the local tiers.
              rt.fencedWrites++;
              for (const local of this.runtimes) if (local.tier.sync) local.tier.delete(key);
            }),
        );
      } else {
        rt.writes++;
        pending.push(rt.call('set', this.#o.tierDeadline, () => tier.set(key, entry, ttl), undefined, [key]));
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    if (this.events.active) this.events.emit({ type: 'set', key });
    return refused;
  }

  /** Batch write: one call per asynchronous tier. */
  async writeMany(items: readonly { key: string; entry: Entry }[]): Promise<CacheEntryTooLargeError | undefined> {
    const now = this.#o.clock.now();
    const sizes = this.families && items.map((item) => estimateSize(item.entry.value));
    let refused: CacheEntryTooLargeError | undefined;
    const pending: Promise<void>[] = [];
    for (const rt of this.runtimes) {
      const tier = rt.tier;
      const batch: TierSetItem[] = [];
      for (let n = 0; n < items.length; n++) {
        const { key, entry } = items[n]!;
        const keep = entry.staleUntil - now;
        if (keep <= 0) continue;
        batch.push({ key, entry, ttl: Math.min(tier.ttl ?? keep, keep) });
        if (sizes !== undefined) {
          const counters = this.families!.of(key).tiers[rt.index]!;
          counters.writes++;
          counters.bytesWritten += sizes[n]!;
        }
      }
      if (batch.length === 0) continue;
      if (tier.sync) {
        // One by one, so a refused item does not stop the rest of the batch.
        for (const item of batch) {
          try {
            tier.set(item.key, item.entry, item.ttl);
            rt.writes++;
          } catch (error) {
            if (!isEntryError(error)) throw error;
            tier.delete(item.key);
            rt.writeRefusals++;
            this.events.emit({ type: 'write-refused', key: item.key, tier: tier.name, error });
            if (error instanceof CacheEntryTooLargeError) refused ??= error;
          }
        }
      } else {
        rt.writes += batch.length;
        const keys = batch.map((item) => item.key);
        pending.push(rt.call('setMany', this.#o.tierDeadline, () => tier.setMany(batch), undefined, keys));
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    return refused;
  }

  /** Deletes keys from every tier, stops in-flight loads from writing them, and tells other instances. */
  async remove(keys: readonly string[], publish = true, detach = true): Promise<void> {
    if (detach) this.#invalidateLocal(keys);
    else for (const rt of this.runtimes) if (rt.tier.sync) rt.tier.deleteMany(keys);
    // Stamped after the caller's write committed: any refresh that began earlier is older.
    const at = this.stamp();
    const pending: Promise<number>[] = [];
    for (const rt of this.runtimes) {
      if (rt.tier.sync) continue;
      pending.push(rt.call('deleteMany', this.#o.tierDeadline, this.#deleteShared(rt, keys, at), -1, keys));
    }
    // A shared tier that did not take the delete (breaker open, deadline missed) still holds the
    // old values: the message asks every receiver to delete them there itself (see `#receive`).
    const failed = (await Promise.all(pending)).includes(-1);
    if (publish) await this.#publish({ type: 'delete', keys, at, ...(failed && { repair: true }) });
    if (this.events.active) this.events.emit({ type: 'delete', keys });
  }

  /** Deletes `keys` from a shared tier: fenced at `at` where the tier can, so older refreshes lose. */
  #deleteShared(rt: TierRuntime, keys: readonly string[], at: Ms): () => Promise<number> {
    const tier = rt.tier as AsyncTier;
    return tier.fence
      ? () => tier.fence!(keys, at, this.#o.fenceTtl).then(() => keys.length)
      : () => tier.deleteMany(keys);
  }

  /**
   * Marks entries stale now without dropping them: readers get the old value as stale (within
   * grace) while a refresh runs, instead of a miss. Other instances drop their local copies and
   * read the stale one from the shared tier.
   */
  async expire(keys: readonly string[], staleFor = 0): Promise<number> {
    const now = this.#o.clock.now();
    let expired = 0;
    for (const key of keys) {
      const found = await this.lookup(key);
      if (found === undefined) continue;
      const entry = found.entry;
      const staleUntil = Math.max(entry.staleUntil, now + Math.max(1, staleFor));
      await this.write(key, { ...entry, expiresAt: Math.min(entry.expiresAt, now), staleUntil });
      expired++;
    }
    if (expired > 0) await this.announceWrites(keys);
    return expired;
  }

  /** Tells other instances that these keys were overwritten, so they drop their local copies. */
  async announceWrites(keys: readonly string[]): Promise<void> {
    if (this.#o.bus) await this.#publish({ type: 'set', keys });
  }

  /** Clears keys starting with `prefix` (everything when empty) in every tier and instance. */
  async clear(prefix: string): Promise<void> {
    this.#clearLocal(prefix);
    const pending: Promise<boolean>[] = [];
    for (const rt of this.runtimes) {
      const tier = rt.tier;
      if (tier.sync) continue;
      pending.push(
        rt
          .call('clear', this.#o.adminDeadline, () => tier.clear(prefix || undefined), -1)
          .then((cleared) => {
            if (cleared === -1) rt.rememberPrefix(prefix);
            return cleared === -1;
          }),
      );
    }
    const failed = (await Promise.all(pending)).includes(true);
    await this.#publish({ type: 'clear', prefix, ...(failed && { repair: true }) });
    if (this.events.active) this.events.emit({ type: 'clear', prefix });
  }

  /** Makes every entry carrying one of `tags` a miss, here and on every instance. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    const at = this.stamp();
    this.#epoch++;
    this.inFlight.detachAll();
    this.counters.tagInvalidations += tags.length;
    try {
      await this.#o.tagStore.invalidate(tags, at);
    } catch (error) {
      // The local record is written first by every store, so this instance is correct already.
      this.events.emit({ type: 'tier-error', tier: 'tag-store', op: 'invalidate', error });
    }
    await this.#publish({ type: 'tags', tags, at });
    if (this.events.active) this.events.emit({ type: 'invalidate-tags', tags });
  }

  /** Keys held by the first tier that can list them (all tiers share one key space). */
  async keys(prefix: string): Promise<string[]> {
    const set = new Set<string>();
    for (const rt of this.runtimes) {
      const tier = rt.tier;
      const keys = tier.sync
        ? tier.keys(prefix || undefined)
        : await rt.call('keys', this.#o.adminDeadline, () => tier.keys(prefix || undefined), [] as string[]);
      for (const key of keys) set.add(key);
    }
    return [...set];
  }

  /**
   * `getOrSet` after the fast path missed: see `loader.ts`. Concurrent callers for one key share
   * one load (lookup, then at most one factory call).
   */
  getOrSet(key: string, logicalKey: string, factory: Factory<unknown>, options: GetOrSetOptions): Promise<Resolution> {
    if (this.#closed) return Promise.reject(new CacheClosedError());
    return this.#loader.getOrSet(key, logicalKey, factory, options);
  }

  /** `getOrSetMany` after key validation: see `batch-loader.ts`. */
  getOrSetMany(
    keys: readonly string[],
    logicals: readonly string[],
    loadMany: LoadMany<unknown>,
    options: GetOrSetManyOptions,
    report?: KeyOutcome[],
  ): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(new CacheClosedError());
    return this.#batchLoader.getOrSetMany(keys, logicals, loadMany, options, report);
  }

  /**
   * Whether a fresh `entry` is in the last `fraction` of its lifetime (a refresh-ahead is due).
   * The lifetime runs from the source read (`createdAt`) to `expiresAt`.
   */
  nearExpiry(entry: Entry, fraction: number): boolean {
    return this.#o.clock.now() >= entry.expiresAt - fraction * (entry.expiresAt - entry.createdAt);
  }

  /** Starts one background refresh of `key` (joined if one runs); the caller already has its value. */
  refreshAhead(
    key: string,
    logicalKey: string,
    factory: Factory<unknown>,
    options: GetOrSetOptions,
    entry: Entry,
  ): void {
    if (this.#closed || this.inFlight.refreshes.has(key)) return;
    this.counters.refreshAheads++;
    this.#loader.refresh(key, logicalKey, factory, options, entry).catch(noop);
  }

  /** Removes expired entries from tiers that can prune. Never overlaps itself. */
  async sweep(): Promise<number> {
    if (this.#sweeping || this.#closed) return 0;
    this.#sweeping = true;
    let removed = 0;
    try {
      for (const rt of this.runtimes) {
        const tier = rt.tier;
        if (!tier.prune) continue;
        if (tier.sync) removed += tier.prune();
        else removed += await rt.call('prune', this.#o.adminDeadline, () => tier.prune!(), 0);
      }
      await Promise.resolve(this.#o.tagStore.prune?.(this.#o.clock.now() - this.#o.tagRetention)).catch(
        (error: unknown) => {
          this.events.emit({ type: 'tier-error', tier: 'tag-store', op: 'prune', error });
        },
      );
    } finally {
      this.#sweeping = false;
    }
    return removed;
  }

  /** Stops timers and closes tiers, bus and lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    await this.#o.bus?.close().catch(noop);
    await this.#o.lock?.close?.().catch(noop);
    for (const rt of this.runtimes) {
      try {
        await rt.tier.close?.();
      } catch {
        // Closing is best effort; a tier that fails to close has nothing left to lose.
      }
    }
  }

  // --- internals ---------------------------------------------------------------------------

  /** A tier call on `keys` failed: count it against their families. */
  #familyErrors(index: number, keys: readonly string[]): void {
    const families = this.families!;
    const seen = new Set<FamilyCounters>();
    for (const key of keys) {
      const family = families.of(key);
      if (seen.has(family)) continue;
      seen.add(family);
      family.tiers[index]!.errors++;
    }
  }

  /** The entry if it is alive and its tags are valid; drops dead local copies on the way. */
  #usable(rt: TierRuntime, entry: Entry | undefined, key: string, now: Ms): Entry | undefined {
    if (entry === undefined) return undefined;
    // A failed write or delete of this key is not repaired yet: this may be the value it replaced.
    if (rt.pendingRepairs > 0 && rt.awaitsRepair(key)) return undefined;
    if (entry.staleUntil > now && this.tagsValid(entry)) {
      // The bus is down: a local copy may have missed its invalidation. Not served, not dropped.
      if (this.#distrust && rt.local && now - entry.createdAt >= this.#o.busDownL1Ttl) return undefined;
      return entry;
    }
    if (rt.tier.sync) rt.tier.delete(key);
    return undefined;
  }

  /** Copies a hit into the faster tiers with its remaining lifetime, never a fresh full TTL. */
  #promote(key: string, entry: Entry, foundAt: number, now: Ms, epoch: number): void {
    if (foundAt === 0) return;
    // An invalidation ran while we were reading: the copy we hold may be the old value.
    if (epoch !== this.#epoch) return;
    const remaining = entry.staleUntil - now;
    if (remaining <= 0) return;
    for (let i = 0; i < foundAt; i++) {
      const rt = this.runtimes[i]!;
      const tier = rt.tier;
      const ttl = Math.min(tier.ttl ?? remaining, remaining);
      if (tier.sync) {
        try {
          tier.set(key, entry, ttl);
        } catch (error) {
          if (!isEntryError(error)) throw error;
          rt.writeRefusals++;
        }
      } else {
        void rt.call('set', this.#o.tierDeadline, () => tier.set(key, entry, ttl), undefined, [key]);
      }
    }
  }

  /**
   * Batch `#promote`: each faster tier gets the hits found below it, in one call for an
   * asynchronous tier, and no more than its `capacity` (the last ones: earlier ones would only be
   * evicted by later ones of the same batch).
   */
  #promoteMany(found: readonly Found[], keys: readonly string[], now: Ms, epoch: number): void {
    if (epoch !== this.#epoch) return;
    for (let t = 0; t < this.runtimes.length - 1; t++) {
      const rt = this.runtimes[t]!;
      const tier = rt.tier;
      let count = 0;
      for (let p = 0; p < found.length; p++) if (found[p]!.tier.index > t) count++;
      if (count === 0) break;
      let skip = Math.max(0, count - (tier.capacity ?? count));
      const batch: TierSetItem[] = [];
      for (let p = 0; p < found.length; p++) {
        const { entry, tier: from } = found[p]!;
        if (from.index <= t) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        const remaining = entry.staleUntil - now;
        if (remaining <= 0) continue;
        const ttl = Math.min(tier.ttl ?? remaining, remaining);
        if (!tier.sync) {
          batch.push({ key: keys[p]!, entry, ttl });
          continue;
        }
        try {
          tier.set(keys[p]!, entry, ttl);
        } catch (error) {
          if (!isEntryError(error)) throw error;
          rt.writeRefusals++;
        }
      }
      if (batch.length > 0 && !tier.sync) {
        const repair = batch.map((item) => item.key);
        void rt.call('setMany', this.#o.tierDeadline, () => tier.setMany(batch), undefined, repair);
      }
    }
  }

  #invalidateLocal(keys: readonly string[]): void {
    this.#epoch++;
    for (const key of keys) this.inFlight.detach(key, true);
    for (const rt of this.runtimes) if (rt.tier.sync) rt.tier.deleteMany(keys);
  }

  #clearLocal(prefix: string): void {
    this.#epoch++;
    this.inFlight.detachPrefix(prefix);
    for (const rt of this.runtimes) if (rt.tier.sync) rt.tier.clear(prefix || undefined);
  }

  async #publish(message: BusMessage): Promise<void> {
    const bus = this.#o.bus;
    if (!bus) return;
    try {
      await bus.publish(message);
      this.counters.busPublished++;
    } catch (error) {
      this.counters.busErrors++;
      this.events.emit({ type: 'tier-error', tier: 'bus', op: 'publish', error });
    }
  }

  /** A message from another instance: drop local copies (shared tiers were handled by the sender). */
  #receive(message: BusMessage): void {
    this.counters.busReceived++;
    const local = (tier: Tier): boolean => tier.sync && !tier.shared;
    switch (message.type) {
      case 'delete':
      case 'set':
        this.#epoch++;
        for (const key of message.keys) this.inFlight.detach(key, true);
        for (const rt of this.runtimes) if (local(rt.tier)) rt.tier.deleteMany(message.keys);
        if (message.type === 'delete') {
          const at = message.at ?? this.stamp();
          // Stamp later loads after the remote invalidation, so its fence never refuses them.
          if (at > this.#lastStamp) this.#lastStamp = at;
          if (message.repair) this.#mend(message.keys, at);
        }
        break;
      case 'clear':
        this.#epoch++;
        this.inFlight.detachPrefix(message.prefix);
        for (const rt of this.runtimes) if (local(rt.tier)) rt.tier.clear(message.prefix || undefined);
        if (message.repair) {
          for (const rt of this.runtimes) {
            if (!rt.tier.sync) void rt.mendPrefix(this.#o.adminDeadline, message.prefix);
          }
        }
        break;
      case 'tags':
        this.#epoch++;
        this.inFlight.detachAll();
        this.#o.tagStore.remember(message.tags, message.at);
        // Stamp later writes after the remote invalidation, whatever this machine's clock says.
        if (message.at > this.#lastStamp) this.#lastStamp = message.at;
        break;
      default: {
        const unknown: never = message;
        void unknown;
      }
    }
    if (this.events.active) this.events.emit({ type: 'bus-message', message: { type: message.type } });
  }

  /**
   * The sender of a delete could not apply it to the shared tiers (its breaker was open, a
   * deadline passed): the old values may still be there for everyone. Delete (fence) them from
   * here; until that has succeeded this instance does not read those keys from those tiers, so it
   * never re-installs a value older than the invalidation it has just seen.
   */
  #mend(keys: readonly string[], at: Ms): void {
    for (const rt of this.runtimes) {
      if (!rt.tier.sync) void rt.mend(this.#o.tierDeadline, this.#deleteShared(rt, keys, at), keys);
    }
  }

  /**
   * The bus stopped (or resumed) delivering. While it is down, local copies are served only
   * when younger than `busDownL1Ttl`, so a value changed elsewhere is served here for at most
   * that long after the bus is known to be down. Back up, the local tiers are dropped (the gap).
   */
  #setBusHealth(healthy: boolean): void {
    if (!this.#o.bus || healthy === this.#busHealthy || this.#closed) return;
    if (healthy && !this.#gapSinceDown) this.#gap();
    this.#busHealthy = healthy;
    this.#distrust = !healthy;
    if (!healthy) {
      this.#gapSinceDown = false;
      this.counters.busDowns++;
    }
    this.events.emit({ type: 'bus-health', healthy });
  }

  /** Messages may have been lost: anything held locally may be stale, so drop it all. */
  #gap(): void {
    this.#gapSinceDown = true;
    this.counters.busGaps++;
    this.#epoch++;
    this.inFlight.detachPrefix('');
    for (const rt of this.runtimes) if (rt.tier.sync && !rt.tier.shared) rt.tier.clear();
    this.#o.tagStore.refresh?.().catch((error) => {
      this.events.emit({ type: 'tier-error', tier: 'tag-store', op: 'refresh', error });
    });
    this.events.emit({ type: 'bus-gap' });
  }
}

export type { CacheStatus, Factory, FactoryContext, GetOrSetOptions, WriteOptions } from './api-types.ts';
