/**
 * The write path: writes to every tier (asynchronous ones in parallel, each under its deadline),
 * deletes, expiry, clears, tag invalidations, key listing and the sweep, each told to the other
 * instances through the bus link.
 */
import type { CacheEntryTooLargeError } from '../errors.ts';
import { estimateSize } from '../size.ts';
import type { Entry, TierSetItem } from '../types.ts';
import type { BusLink } from './bus-link.ts';
import type { ReadPath } from './reads.ts';
import type { CacheState } from './state.ts';
import type { RemoteRuntime } from './tier-runtime.ts';

/** See the file comment. */
export class WritePath {
  readonly #s: CacheState;
  readonly #reads: ReadPath;
  readonly #bus: BusLink;
  #sweeping = false;

  constructor(state: CacheState, reads: ReadPath, bus: BusLink) {
    this.#s = state;
    this.#reads = reads;
    this.#bus = bus;
  }

  /**
   * Writes one entry to every tier. A tier that refuses the entry drops its old copy so it cannot
   * serve it. Returns the first size refusal, which `set` throws and `getOrSet` only counts.
   * `fenced`: a refresh's write, which loses to an invalidation newer than its source read.
   */
  async write(key: string, entry: Entry, fenced = false): Promise<CacheEntryTooLargeError | undefined> {
    const s = this.#s;
    const keep = entry.staleUntil - s.options.clock.now();
    if (keep <= 0) return undefined;
    let refused: CacheEntryTooLargeError | undefined;
    const pending: Promise<unknown>[] = [];
    const bytes = s.stats.families === undefined ? 0 : estimateSize(entry.value);
    for (const rt of s.runtimes) {
      const tier = rt.tier;
      const ttl = Math.min(tier.ttl ?? keep, keep);
      s.stats.familyWrite(rt, key, bytes);
      if (tier.sync) {
        const refusal = s.setLocal(rt, key, entry, ttl, true);
        if (refusal === undefined) rt.writes++;
        refused ??= refusal;
      } else if (fenced && tier.setFenced) {
        rt.writes++;
        const write = () => tier.setFenced!(key, entry, ttl);
        pending.push(
          (rt as RemoteRuntime).call('set', s.options.tierDeadline, write, true, [key]).then((written) => {
            if (written) return;
            // A writer on some instance invalidated this key after our source read: our value is
            // old. Take back the copies we already put in the local tiers.
            rt.fencedWrites++;
            for (const local of s.runtimes) if (local.tier.sync) local.tier.delete(key);
          }),
        );
      } else {
        rt.writes++;
        pending.push(
          (rt as RemoteRuntime).call('set', s.options.tierDeadline, () => tier.set(key, entry, ttl), undefined, [key]),
        );
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    if (s.events.active) s.events.emit({ type: 'set', key });
    return refused;
  }

  /** Batch write: one call per asynchronous tier. */
  async writeMany(items: readonly { key: string; entry: Entry }[]): Promise<CacheEntryTooLargeError | undefined> {
    const s = this.#s;
    const now = s.options.clock.now();
    const sizes = s.stats.families && items.map((item) => estimateSize(item.entry.value));
    let refused: CacheEntryTooLargeError | undefined;
    const pending: Promise<void>[] = [];
    for (const rt of s.runtimes) {
      const tier = rt.tier;
      const batch: TierSetItem[] = [];
      for (let n = 0; n < items.length; n++) {
        const { key, entry } = items[n]!;
        const keep = entry.staleUntil - now;
        if (keep <= 0) continue;
        batch.push({ key, entry, ttl: Math.min(tier.ttl ?? keep, keep) });
        if (sizes !== undefined) s.stats.familyWrite(rt, key, sizes[n]!);
      }
      if (batch.length === 0) continue;
      if (tier.sync) {
        // One by one, so a refused item does not stop the rest of the batch.
        for (const item of batch) {
          const refusal = s.setLocal(rt, item.key, item.entry, item.ttl, true);
          if (refusal === undefined) rt.writes++;
          refused ??= refusal;
        }
      } else {
        rt.writes += batch.length;
        const keys = batch.map((item) => item.key);
        pending.push(
          (rt as RemoteRuntime).call('setMany', s.options.tierDeadline, () => tier.setMany(batch), undefined, keys),
        );
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    return refused;
  }

  /**
   * Deletes keys from every tier, stops in-flight loads from writing them (unless `detach` is
   * false), and tells other instances (unless `publish` is false).
   */
  async remove(keys: readonly string[], publish = true, detach = true): Promise<void> {
    const s = this.#s;
    if (detach) s.dropKeys(keys);
    else for (const rt of s.runtimes) if (rt.tier.sync) rt.tier.deleteMany(keys);
    // Stamped after the caller's write committed: any refresh that began earlier is older.
    const at = s.stamp();
    const pending: Promise<number>[] = [];
    for (const rt of s.runtimes) {
      if (rt.tier.sync) continue;
      pending.push((rt as RemoteRuntime).remove(keys, at, s.options.tierDeadline, s.options.fenceTtl));
    }
    // A shared tier that did not take the delete (breaker open, deadline missed) still holds the
    // old values: the message asks every receiver to delete them there itself.
    const failed = (await Promise.all(pending)).includes(-1);
    if (publish) await this.#bus.publish({ type: 'delete', keys, at, ...(failed && { repair: true }) });
    if (s.events.active) s.events.emit({ type: 'delete', keys });
  }

  /**
   * Marks entries stale now without dropping them: readers get the old value as stale (within
   * grace) while a refresh runs, instead of a miss. Other instances drop their local copies and
   * read the stale one from the shared tier.
   */
  async expire(keys: readonly string[], staleFor = 0): Promise<number> {
    const now = this.#s.options.clock.now();
    let expired = 0;
    for (const key of keys) {
      const found = await this.#reads.lookup(key);
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
    if (this.#s.options.bus) await this.#bus.publish({ type: 'set', keys });
  }

  /** Clears keys starting with `prefix` (everything when empty) in every tier and instance. */
  async clear(prefix: string): Promise<void> {
    const s = this.#s;
    s.dropPrefix(prefix);
    const pending: Promise<boolean>[] = [];
    for (const rt of s.runtimes)
      if (!rt.tier.sync) pending.push((rt as RemoteRuntime).clear(prefix, s.options.adminDeadline));
    const failed = (await Promise.all(pending)).includes(false);
    await this.#bus.publish({ type: 'clear', prefix, ...(failed && { repair: true }) });
    if (s.events.active) s.events.emit({ type: 'clear', prefix });
  }

  /** Makes every entry carrying one of `tags` a miss, here and on every instance. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    const s = this.#s;
    if (tags.length === 0) return;
    const at = s.stamp();
    s.epoch++;
    s.inFlight.detachAll();
    s.stats.counters.tags.invalidations += tags.length;
    try {
      await s.options.tagStore.invalidate(tags, at);
    } catch (error) {
      // The local record is written first by every store, so this instance is correct already.
      s.events.emit({ type: 'tier-error', tier: 'tag-store', op: 'invalidate', error });
    }
    await this.#bus.publish({ type: 'tags', tags, at });
    if (s.events.active) s.events.emit({ type: 'invalidate-tags', tags });
  }

  /** Keys held by the tiers that can list them (all tiers share one key space). */
  async keys(prefix: string): Promise<string[]> {
    const s = this.#s;
    const set = new Set<string>();
    for (const rt of s.runtimes) {
      const tier = rt.tier;
      const keys = tier.sync
        ? tier.keys(prefix || undefined)
        : await (rt as RemoteRuntime).call(
            'keys',
            s.options.adminDeadline,
            () => tier.keys(prefix || undefined),
            [] as string[],
          );
      for (const key of keys) set.add(key);
    }
    return [...set];
  }

  /** Removes expired entries from tiers that can prune, and old tag stamps. Never overlaps itself. */
  async sweep(): Promise<number> {
    const s = this.#s;
    if (this.#sweeping || s.closed) return 0;
    this.#sweeping = true;
    let removed = 0;
    try {
      for (const rt of s.runtimes) {
        const tier = rt.tier;
        if (!tier.prune) continue;
        if (tier.sync) removed += tier.prune();
        else removed += await (rt as RemoteRuntime).call('prune', s.options.adminDeadline, () => tier.prune!(), 0);
      }
      const before = s.options.clock.now() - s.options.tagRetention;
      await Promise.resolve(s.options.tagStore.prune?.(before)).catch((error: unknown) => {
        s.events.emit({ type: 'tier-error', tier: 'tag-store', op: 'prune', error });
      });
    } finally {
      this.#sweeping = false;
    }
    return removed;
  }
}
