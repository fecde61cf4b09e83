/**
 * The read path: the first-tier fast path, the synchronous-tiers read, the walk through every
 * tier (one key or a batch, one call per tier for the keys still missing), and the promotion of
 * hits into the faster tiers with their remaining lifetime.
 */
import type { Entry, Ms, TierSetItem } from '../types.ts';
import type { FamilyTierCounters } from './families.ts';
import type { CacheState, Found } from './state.ts';
import type { RemoteRuntime } from './tier-runtime.ts';

/** See the file comment. */
export class ReadPath {
  readonly #s: CacheState;
  #sampleCountdown: number;

  constructor(state: CacheState) {
    this.#s = state;
    this.#sampleCountdown = state.options.timingSampleEvery;
  }

  /**
   * The hot path: a fresh, valid entry from a synchronous first tier, or `undefined` (the caller
   * then takes the full path, which counts the miss). One map lookup and one clock read.
   * `family`: the first-tier counters of the key's family when the caller has them at hand.
   */
  fastGet(key: string, family?: FamilyTierCounters): Entry | undefined {
    const s = this.#s;
    const rt = s.first;
    if (rt === undefined) return undefined;
    let entry: Entry | undefined;
    if (--this.#sampleCountdown === 0) {
      this.#sampleCountdown = s.options.timingSampleEvery;
      const started = performance.now();
      entry = rt.tier.get(key) as Entry | undefined;
      rt.time('get', performance.now() - started);
    } else {
      entry = rt.tier.get(key) as Entry | undefined;
    }
    if (entry === undefined) return undefined;
    const now = s.options.clock.now();
    if (now >= entry.expiresAt) return undefined;
    if (entry.tags !== undefined && !s.tagsValid(entry)) return undefined;
    if (s.distrust && s.distrusted(rt, entry.createdAt, now)) return undefined;
    s.stats.firstHit(rt, key, family);
    if (s.events.reading) s.events.emit({ type: 'hit', key, tier: rt.tier.name, stale: false });
    return entry;
  }

  /** Reads only the leading synchronous tiers (browser memory + storage): no promise at all. */
  getSync(key: string, countMiss = true): { entry: Entry; tier: string } | undefined {
    const s = this.#s;
    const now = s.options.clock.now();
    const family = s.stats.familyOf(key);
    for (const rt of s.runtimes) {
      if (!rt.tier.sync) break;
      const entry = s.usable(rt, rt.tier.get(key), key, now);
      if (entry !== undefined && now < entry.expiresAt) {
        s.stats.hit(rt, family);
        this.#promote(key, entry, rt.index, now, s.epoch);
        return { entry, tier: rt.tier.name };
      }
      if (countMiss) s.stats.miss(rt, family);
    }
    if (countMiss) s.stats.familyMiss(family);
    return undefined;
  }

  /**
   * Walks every tier; returns the first fresh entry (promoted), else the first stale one.
   * `recheck`: a re-read under the lock, part of a read already counted once for its family.
   */
  async lookup(key: string, recheck = false): Promise<Found | undefined> {
    const s = this.#s;
    const now = s.options.clock.now();
    const epoch = s.epoch;
    const family = s.stats.familyOf(key);
    let stale: Found | undefined;
    for (const rt of s.runtimes) {
      const tier = rt.tier;
      let raw: Entry | undefined;
      if (tier.sync) raw = tier.get(key);
      else if (family === undefined)
        raw = await (rt as RemoteRuntime).call('get', s.options.tierDeadline, () => tier.get(key), undefined);
      else {
        const started = performance.now();
        raw = await (rt as RemoteRuntime).call(
          'get',
          s.options.tierDeadline,
          () => tier.get(key),
          undefined,
          undefined,
          [key],
        );
        s.stats.readTime(rt, family, performance.now() - started);
      }
      const entry = s.usable(rt, raw, key, now);
      s.stats.read(rt, family, entry, now);
      if (entry === undefined) continue;
      if (now < entry.expiresAt) {
        if (recheck && family !== undefined) family.recheckHits++;
        if (s.events.reading) s.events.emit({ type: 'hit', key, tier: tier.name, stale: false });
        this.#promote(key, entry, rt.index, now, epoch);
        return { entry, tier: rt, stale: false };
      }
      // Stale here; a slower tier may still hold a fresher copy, so keep walking.
      stale ??= { entry, tier: rt, stale: true };
    }
    if (!recheck) s.stats.familyMiss(family);
    if (stale === undefined && s.events.reading) s.events.emit({ type: 'miss', key });
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
    const s = this.#s;
    const stats = s.stats;
    const families = stats.families;
    const now = s.options.clock.now();
    const epoch = s.epoch;
    const results = new Array<Found | undefined>(keys.length);
    let missing: number[] | undefined;
    let asked: readonly string[] = keys;
    let promotions: Found[] | undefined;
    let promotedKeys: string[] | undefined;
    for (let t = fromTier; t < s.runtimes.length; t++) {
      const rt = s.runtimes[t]!;
      if (asked.length === 0) break;
      const tier = rt.tier;
      const started = families === undefined || tier.sync ? 0 : performance.now();
      const got = tier.sync
        ? tier.getMany(asked)
        : await (rt as RemoteRuntime).call(
            'getMany',
            s.options.tierDeadline,
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
        const entry = s.usable(rt, got[n], key, now);
        const family = families?.of(key);
        stats.read(rt, family, entry, now);
        if (started !== 0) stats.readTime(rt, family, readMs);
        if (entry !== undefined && now < entry.expiresAt) {
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
        if (entry !== undefined && keepStale && results[i] === undefined) results[i] = { entry, tier: rt, stale: true };
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
    const s = this.#s;
    const rt = s.first;
    if (rt === undefined) return undefined;
    const now = s.options.clock.now();
    const got = rt.tier.getMany(keys) as (Entry | undefined)[];
    const out = new Array<Found | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const entry = s.usable(rt, got[i], keys[i]!, now);
      s.stats.read(rt, s.stats.familyOf(keys[i]!), entry, now);
      if (entry !== undefined) out[i] = { entry, tier: rt, stale: now >= entry.expiresAt };
    }
    return out;
  }

  /** Copies a hit into the faster tiers with its remaining lifetime, never a fresh full TTL. */
  #promote(key: string, entry: Entry, foundAt: number, now: Ms, epoch: number): void {
    const s = this.#s;
    if (foundAt === 0) return;
    // An invalidation ran while we were reading: the copy we hold may be the old value.
    if (epoch !== s.epoch) return;
    const remaining = entry.staleUntil - now;
    if (remaining <= 0) return;
    for (let i = 0; i < foundAt; i++) {
      const rt = s.runtimes[i]!;
      const tier = rt.tier;
      const ttl = Math.min(tier.ttl ?? remaining, remaining);
      if (tier.sync) s.setLocal(rt, key, entry, ttl, false);
      else
        void (rt as RemoteRuntime).call('set', s.options.tierDeadline, () => tier.set(key, entry, ttl), undefined, [
          key,
        ]);
    }
  }

  /**
   * Batch `#promote`: each faster tier gets the hits found below it, in one call for an
   * asynchronous tier, and no more than its `capacity` (the last ones: earlier ones would only be
   * evicted by later ones of the same batch).
   */
  #promoteMany(found: readonly Found[], keys: readonly string[], now: Ms, epoch: number): void {
    const s = this.#s;
    if (epoch !== s.epoch) return;
    for (let t = 0; t < s.runtimes.length - 1; t++) {
      const rt = s.runtimes[t]!;
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
        if (tier.sync) s.setLocal(rt, keys[p]!, entry, ttl, false);
        else batch.push({ key: keys[p]!, entry, ttl });
      }
      if (batch.length > 0 && !tier.sync) {
        const repair = batch.map((item) => item.key);
        void (rt as RemoteRuntime).call(
          'setMany',
          s.options.tierDeadline,
          () => tier.setMany(batch),
          undefined,
          repair,
        );
      }
    }
  }
}
