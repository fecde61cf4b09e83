/**
 * The public cache: key validation, namespaces and the read/write API over the engine.
 *
 *   const cache = createCache({ tiers: [memoryTier({ ttl: 30_000 }), redisTier({ client })], ttl: 3_600_000 });
 *   const team = await cache.getOrSet('team_12', () => db.team(12), { tags: ['team:12'] });
 */

import type { GetOrSetManyOptions, LoadMany, LoadManyContext } from './core/batch-loader.ts';
import {
  CacheEngine,
  type CacheStatus,
  type Factory,
  type FactoryContext,
  type GetOrSetOptions,
  type WriteOptions,
} from './core/engine.ts';
import {
  type CacheEvent,
  type CacheEventOf,
  type CacheEventType,
  type CacheOperationEvent,
  type CacheOperationName,
  type CacheOperationOutcome,
  DIAGNOSTICS_CHANNEL,
  type OperationContext,
  TRACING_CHANNEL,
} from './core/events.ts';
import type { FamilyStatsReport } from './core/families.ts';
import { type KeySlot, KeySlots } from './core/key-slots.ts';
import { type KeyOutcome, observe } from './core/operations.ts';
import { type CacheOptions, resolveOptions } from './core/options.ts';
import type { ReadPath } from './core/reads.ts';
import type { CacheState } from './core/state.ts';
import type { CacheStats, TierStatsReport } from './core/stats.ts';
import type { WritePath } from './core/writes.ts';
import { CacheKeyError, CacheNamespaceError } from './errors.ts';
import type { Entry, Ms } from './types.ts';
import { checkKey, NAMESPACE_SEPARATOR } from './validate.ts';

export type {
  CacheEvent,
  CacheEventOf,
  CacheEventType,
  CacheOperationEvent,
  CacheOperationName,
  CacheOperationOutcome,
  CacheOptions,
  CacheStats,
  CacheStatus,
  Factory,
  FactoryContext,
  FamilyStatsReport,
  GetOrSetManyOptions,
  GetOrSetOptions,
  LoadMany,
  LoadManyContext,
  OperationContext,
  TierStatsReport,
  WriteOptions,
};
export { DIAGNOSTICS_CHANNEL, TRACING_CHANNEL };

/** Options of `get`-like reads. */
export interface ReadOptions {
  /** Filled in with how the value was served. */
  status?: CacheStatus;
}

/** What {@link Cache.getSync} takes. */
export interface SyncReadOptions extends ReadOptions {
  /**
   * `false` when a miss here is only a first attempt and the caller reads the key again the usual
   * way (which counts the miss): then nothing is counted unless the value is served. Default true.
   */
  countMiss?: boolean;
}

/** One item of `setMany`. */
export interface SetManyItem<V = unknown> extends WriteOptions {
  key: string;
  value: V;
}

/** A multi-tier cache, or a namespace of one. Create with {@link createCache}. */
export class Cache {
  readonly #engine: CacheEngine;
  readonly #state: CacheState;
  readonly #reads: ReadPath;
  readonly #writes: WritePath;
  readonly #prefix: string;
  readonly #maxKeyLength: number;
  /** With key families only: there, one lookup finds both the key's check and its family. */
  readonly #slots: KeySlots | undefined;

  /** @internal Use `createCache` or `cache.namespace(name)`. */
  constructor(engine: CacheEngine, prefix: string) {
    this.#engine = engine;
    this.#state = engine.state;
    this.#reads = engine.reads;
    this.#writes = engine.writes;
    this.#prefix = prefix;
    this.#maxKeyLength = engine.state.options.maxKeyLength;
    // Without families, scanning the key costs less than looking it up.
    const families = engine.state.stats.families;
    this.#slots = families && new KeySlots((key) => this.#full(key), families);
  }

  /** The namespace prefix of this view (`''` for the root). */
  get prefix(): string {
    return this.#prefix;
  }

  /** A view whose keys live under `name`; cleared alone with `clear()`. Names follow key rules. */
  namespace(name: string): Cache {
    try {
      checkKey(name, this.#maxKeyLength, 'namespace');
    } catch (error) {
      throw new CacheNamespaceError((error as Error).message, { cause: error });
    }
    return new Cache(this.#engine, this.#prefix + name + NAMESPACE_SEPARATOR);
  }

  /** The fresh value of `key`, or `undefined`. Never rejects because a tier failed. */
  get<V = unknown>(key: string, options?: ReadOptions): Promise<V | undefined> {
    return this.#watch('get', key, options?.status, (status) => this.#get<V>(key, status));
  }

  #get<V>(key: string, status: CacheStatus | undefined): Promise<V | undefined> {
    let slot: KeySlot | undefined;
    let full: string;
    try {
      slot = this.#slots?.of(key);
      full = slot?.full ?? this.#full(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const entry = this.#reads.fastGet(full, slot?.family);
    if (entry !== undefined) {
      if (status) fillStatus(status, 'hit', this.#state.runtimes[0]!.tier.name, entry);
      return Promise.resolve(entry.value as V);
    }
    return this.#getSlow<V>(full, status);
  }

  /**
   * Reads the leading synchronous tiers only (memory, browser storage), without a promise.
   * Returns `undefined` when they miss, even if a slower tier holds the key.
   */
  getSync<V = unknown>(key: string, options?: SyncReadOptions): V | undefined {
    const slot = this.#slots?.of(key);
    const full = slot?.full ?? this.#full(key);
    const fast = this.#reads.fastGet(full, slot?.family);
    if (fast !== undefined) {
      if (options?.status) fillStatus(options.status, 'hit', this.#state.runtimes[0]!.tier.name, fast);
      return fast.value as V;
    }
    const found = this.#reads.getSync(full, options?.countMiss !== false);
    if (found === undefined) return undefined;
    if (options?.status) fillStatus(options.status, 'hit', found.tier, found.entry);
    return found.entry.value as V;
  }

  /** The entry with its metadata (etag, times), fresh or stale, or `undefined`. */
  async getEntry<V = unknown>(key: string): Promise<(Entry<V> & { stale: boolean; tier: string }) | undefined> {
    const found = await this.#reads.lookup(this.#full(key));
    if (found === undefined) return undefined;
    return { ...(found.entry as Entry<V>), stale: found.stale, tier: found.tier.tier.name };
  }

  /** Whether a fresh value exists for `key`. */
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /**
   * Writes `value` to every tier. `undefined` is not stored (it deletes the key). Throws
   * `E_CACHE_ENTRY_TOO_LARGE` if a tier refused the value (the others keep it), and
   * `E_CACHE_ENCRYPTION_KEY_MISSING` for a sensitive value with no key, before writing anything.
   */
  set<V>(key: string, value: V, options: WriteOptions = {}): Promise<void> {
    const outcome = value === undefined ? 'delete' : 'write';
    return this.#watch(
      'set',
      key,
      undefined,
      () => this.#set(key, value, options),
      () => ({ outcome, tier: undefined }),
    );
  }

  async #set<V>(key: string, value: V, options: WriteOptions): Promise<void> {
    const full = this.#full(key);
    if (value === undefined) return this.#writes.remove([full]);
    this.#checkTags(options.tags);
    this.#state.checkWritable(full, options.sensitive);
    const refused = await this.#writes.write(full, this.#state.buildEntry(value, options));
    await this.#writes.announceWrites([full]);
    if (refused) throw refused;
  }

  /** Deletes `key` from every tier and every instance. */
  delete(key: string): Promise<void> {
    return this.deleteMany([key]);
  }

  /**
   * Makes the values of `keys` stale at once but keeps them for their grace window, so readers
   * are served the last value (`stale`) while a refresh runs. `staleFor` keeps them at least that
   * long even when they have no grace of their own. Returns how many existed.
   */
  async expire(keys: readonly string[], options: { staleFor?: Ms } = {}): Promise<number> {
    return this.#writes.expire(
      keys.map((key) => this.#full(key)),
      options.staleFor,
    );
  }

  /** Fresh values for `keys`, in order; one round trip per asynchronous tier. */
  async getMany<V = unknown>(keys: readonly string[]): Promise<(V | undefined)[]> {
    const fulls = keys.map((key) => this.#full(key));
    const found = await this.#watch(
      'getMany',
      fulls,
      undefined,
      () => this.#reads.lookupMany(fulls, false),
      (results, i) => ({ outcome: results[i] === undefined ? 'miss' : 'hit', tier: results[i]?.tier.tier.name }),
    );
    return found.map((item) => item?.entry.value as V | undefined);
  }

  /** Writes many values; one round trip per asynchronous tier. */
  async setMany(items: readonly SetManyItem[]): Promise<void> {
    const prepared = items.map((item) => {
      const full = this.#full(item.key);
      this.#checkTags(item.tags);
      this.#state.checkWritable(full, item.sensitive);
      return { key: full, entry: this.#state.buildEntry(item.value, item) };
    });
    const write = async (): Promise<void> => {
      const refused = await this.#writes.writeMany(prepared);
      await this.#writes.announceWrites(prepared.map((item) => item.key));
      if (refused) throw refused;
    };
    const keys = prepared.map((item) => item.key);
    return this.#watch('setMany', keys, undefined, write, () => ({ outcome: 'write', tier: undefined }));
  }

  /** Deletes many keys; one round trip per asynchronous tier. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const fulls = keys.map((key) => this.#full(key));
    return this.#watch(
      'delete',
      fulls,
      undefined,
      () => this.#writes.remove(fulls),
      () => ({ outcome: 'delete', tier: undefined }),
    );
  }

  /**
   * The value of `key`, computed by `factory` on a miss. Concurrent misses share one factory
   * call; a stale value is served while one refresh runs (`softTimeout`) and when the factory
   * fails (grace); with `lock`, one process in the fleet computes. A factory's own error is
   * rethrown as is (not wrapped) when there is no stale value to fall back on.
   */
  getOrSet<V>(key: string, factory: Factory<V>, options: GetOrSetOptions = {}): Promise<V> {
    return this.#watch('getOrSet', key, options.status, (status) =>
      this.#getOrSet(key, factory, status === options.status ? options : { ...options, status }),
    );
  }

  #getOrSet<V>(key: string, factory: Factory<V>, options: GetOrSetOptions): Promise<V> {
    let slot: KeySlot | undefined;
    let full: string;
    try {
      slot = this.#slots?.of(key);
      full = slot?.full ?? this.#full(key);
      this.#checkTags(options.tags);
    } catch (error) {
      return Promise.reject(error);
    }
    const state = this.#state;
    state.stats.counters.getOrSet.calls++;
    if (!options.forceFresh) {
      const entry = this.#reads.fastGet(full, slot?.family);
      if (entry !== undefined) {
        const ahead = options.refreshAhead ?? state.options.refreshAhead;
        if (ahead > 0 && state.nearExpiry(entry, ahead)) {
          this.#engine.refreshAhead(full, key, factory as Factory<unknown>, options, entry);
        }
        if (options.status) fillStatus(options.status, 'hit', state.runtimes[0]!.tier.name, entry);
        return Promise.resolve(entry.value as V);
      }
    }
    return this.#engine.getOrSet(full, key, factory as Factory<unknown>, options).then((resolution) => {
      if (options.status) fillStatus(options.status, resolution.result, resolution.tier, resolution.entry);
      return resolution.value as V;
    });
  }

  /**
   * The values of `keys`, in order. Keys the first tier misses are read from each slower tier in
   * one call; the keys still missing are produced by ONE `loadMany(missing)` call (resolving to
   * their values in the same order) and written back in one call per tier. Each key joins a load
   * already under way for it (from `getOrSet` or another batch). A stale key is answered with its
   * last value and refreshed in the same `loadMany` call. Rejects with `loadMany`'s own error,
   * unchanged, when a key has no value to fall back on.
   */
  getOrSetMany<V>(keys: readonly string[], loadMany: LoadMany<V>, options: GetOrSetManyOptions = {}): Promise<V[]> {
    let fulls: string[];
    let checked: GetOrSetManyOptions = options;
    try {
      if (!Array.isArray(keys)) throw new CacheKeyError('keys must be an array of strings');
      fulls = keys.map((key) => this.#full(key));
      const tags = options.tags;
      if (typeof tags === 'function') {
        checked = {
          ...options,
          tags: (key) => {
            const produced = tags(key);
            this.#checkTags(produced);
            return produced;
          },
        };
      } else this.#checkTags(tags);
      if (fulls.length > 0) this.#state.checkWritable(fulls[0]!, options.sensitive);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#state.stats.counters.getOrSet.manyCalls++;
    const load = loadMany as LoadMany<unknown>;
    const report: KeyOutcome[] = [];
    return this.#watch(
      'getOrSetMany',
      fulls,
      undefined,
      // Watched (a status is passed): the batch reports how each key ended.
      (status) => this.#engine.getOrSetMany(fulls, keys, load, checked, status && report) as Promise<V[]>,
      (_, i) => report[i] ?? { outcome: 'miss', tier: undefined },
    );
  }

  /**
   * Resolves once the invalidation bus is subscribed (at once without a bus), so a caller can
   * start serving knowing no invalidation from other instances will be missed. Rejects if the
   * bus could not subscribe at all.
   */
  ready(): Promise<void> {
    return this.#engine.bus.ready();
  }

  /**
   * Whether the invalidation bus delivers now (always true without a bus). While it does not,
   * local copies older than `busDownL1Ttl` are not served; `on('bus-health')` reports changes.
   */
  get busHealthy(): boolean {
    return this.#engine.bus.healthy;
  }

  /** Makes every entry carrying one of `tags` a miss, on every instance. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    this.#checkTags(tags);
    await this.#writes.invalidateTags(tags);
  }

  /** Removes every key of this namespace starting with `prefix` (all of them without one). */
  async clear(prefix = ''): Promise<void> {
    if (prefix !== '') checkKey(prefix, this.#maxKeyLength, 'prefix');
    await this.#writes.clear(this.#prefix + prefix);
  }

  /** Live keys of this namespace (without the namespace), optionally under `prefix`. */
  async keys(prefix = ''): Promise<string[]> {
    if (prefix !== '') checkKey(prefix, this.#maxKeyLength, 'prefix');
    const keys = await this.#writes.keys(this.#prefix + prefix);
    return keys.map((key) => key.slice(this.#prefix.length)).filter((key) => !key.includes(NAMESPACE_SEPARATOR));
  }

  /** Subscribes to cache events; returns the unsubscribe function. */
  on<T extends CacheEventType>(type: T, listener: (event: CacheEventOf<T>) => void): () => void {
    return this.#state.events.on(type, listener);
  }

  /** Sweeps expired entries now (the cache also does it every `sweepInterval`). */
  sweep(): Promise<number> {
    return this.#writes.sweep();
  }

  /** Counters of every tier, of `getOrSet`, of the bus and of each key family. Nothing is scanned. */
  stats(): CacheStats {
    return this.#engine.stats();
  }

  /** Stops the sweep timer and closes tiers, bus and lock. Later calls reject with `E_CACHE_CLOSED`. */
  close(): Promise<void> {
    return this.#engine.close();
  }

  /**
   * Every public operation goes through here. Nobody watching: `run(given)` as it is. Someone
   * listening to `operation` events, or subscribed to the diagnostics or tracing channel: the
   * call is timed and reported per key, from `describe` or (reads) from the status it filled in,
   * which is then copied to the caller's `given` status. `keys`: the full keys, or one key as the
   * caller wrote it (prefixed only when watched, so an unwatched read builds nothing).
   */
  #watch<T>(
    op: CacheOperationName,
    keys: string | readonly string[],
    given: CacheStatus | undefined,
    run: (status: CacheStatus | undefined) => Promise<T>,
    describe?: (result: T, index: number) => KeyOutcome,
  ): Promise<T> {
    const events = this.#state.events;
    if (!events.watching) return run(given);
    const status: CacheStatus = {};
    return observe(
      events,
      this.#state.stats.families,
      op,
      typeof keys === 'string' ? [this.#prefix + keys] : keys,
      () => run(status),
      describe ?? (() => statusOutcome(status, given)),
    );
  }

  #full(key: string): string {
    checkKey(key, this.#maxKeyLength);
    return this.#prefix === '' ? key : this.#prefix + key;
  }

  #checkTags(tags: readonly string[] | undefined): void {
    if (tags === undefined) return;
    if (!Array.isArray(tags)) throw new CacheKeyError('tags must be an array of strings');
    for (const tag of tags) checkKey(tag, this.#maxKeyLength, 'tag', true);
  }

  async #getSlow<V>(full: string, status: CacheStatus | undefined): Promise<V | undefined> {
    const found = await this.#reads.lookup(full);
    if (found === undefined || found.stale) return undefined;
    if (status) fillStatus(status, 'hit', found.tier.tier.name, found.entry);
    return found.entry.value as V;
  }
}

/** An operation's outcome from the status a read filled in, copied to the caller's status. */
function statusOutcome(status: CacheStatus, given: CacheStatus | undefined): KeyOutcome {
  if (given !== undefined) Object.assign(given, status);
  return { outcome: status.result ?? 'miss', tier: status.tier };
}

function fillStatus(status: CacheStatus, result: CacheStatus['result'], tier: string, entry: Entry | undefined): void {
  status.result = result;
  status.tier = tier;
  status.etag = entry?.etag;
  if (entry) {
    status.createdAt = entry.createdAt;
    status.expiresAt = entry.expiresAt;
  }
}

/** Creates a cache over `options.tiers` (fastest first). Options are validated here. */
export function createCache(options: CacheOptions): Cache {
  return new Cache(new CacheEngine(resolveOptions(options)), '');
}

/** Durations in ms, for readable options: `ttl: minutes(5)`. */
export const seconds = (n: number): Ms => n * 1_000;
/** Minutes in ms. */
export const minutes = (n: number): Ms => n * 60_000;
/** Hours in ms. */
export const hours = (n: number): Ms => n * 3_600_000;
/** Days in ms. */
export const days = (n: number): Ms => n * 86_400_000;
