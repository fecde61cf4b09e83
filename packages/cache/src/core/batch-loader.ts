/**
 * `getOrSetMany`: the batch twin of `getOrSet`. Keys missing from the first tier are read from
 * each slower tier in one call, the keys still missing are produced by one `loadMany` call, and
 * the results are written back in one call per tier. Each key joins any load or refresh already
 * under way for it (from `getOrSet` or another batch), so overlapping batches load a key once.
 */
import { CacheLoadResultError } from '../errors.ts';
import type { Entry, Ms } from '../types.ts';
import type { Refresh, Resolution } from './in-flight.ts';
import type { LoadReads, LoadState, LoadWrites } from './load-host.ts';
import type { KeyOutcome } from './operations.ts';
import type { Found } from './state.ts';

/** What `loadMany` receives besides the keys. */
export interface LoadManyContext<V> {
  /** The stale value of each key being refreshed (same order as the keys), if any. */
  readonly stale: readonly (V | undefined)[];
  /** Answer `key`'s value (to every caller waiting for it) without storing it in any tier. */
  skipCache(key: string): void;
}

/**
 * Produces the values of `keys` (logical keys, without namespace), in the same order. An
 * `undefined` value, or one whose key was passed to `context.skipCache`, is returned to the caller
 * but not stored.
 */
export type LoadMany<V> = (keys: string[], context: LoadManyContext<V>) => readonly V[] | Promise<readonly V[]>;

/** Options of `getOrSetMany`. */
export interface GetOrSetManyOptions {
  /** Fresh for this long (ms). Default: the cache's `ttl`. */
  ttl?: Ms;
  /** Kept this long past freshness, to be served stale (ms). Default: the cache's `grace`. */
  grace?: Ms;
  /** Tags of every produced entry, or a function giving each key's tags. */
  tags?: readonly string[] | ((key: string) => readonly string[]);
  /** Encrypt in shared tiers; never written to browser storage. */
  sensitive?: boolean;
  /** Refresh-ahead fraction for this call (see the cache option). */
  refreshAhead?: number;
}

/** One key a batch loads itself. */
interface Owned {
  readonly key: string;
  readonly logical: string;
  readonly settle: Settle<Resolution>;
  /** What the first tier held: a stale entry, used if no slower tier has a fresh one. */
  readonly local: Found | undefined;
}

/** One key handed to `loadMany`. */
interface ToLoad {
  readonly key: string;
  readonly logical: string;
  readonly stale: Entry | undefined;
  /** Settled with the loaded entry (missing keys wait on it; stale ones were already answered). */
  readonly settle?: Settle<Resolution>;
}

interface Settle<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

const noop = (): void => {};
const ORIGIN = 'origin';

function settleable<T>(): Settle<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** See the file comment. */
export class BatchLoader {
  readonly #s: LoadState;
  readonly #reads: LoadReads;
  readonly #writes: LoadWrites;

  constructor(state: LoadState, reads: LoadReads, writes: LoadWrites) {
    this.#s = state;
    this.#reads = reads;
    this.#writes = writes;
  }

  /** The values of `keys` (full keys; `logicals` as the caller wrote them), in order. */
  async getOrSetMany(
    keys: readonly string[],
    logicals: readonly string[],
    loadMany: LoadMany<unknown>,
    options: GetOrSetManyOptions,
    report?: KeyOutcome[],
  ): Promise<unknown[]> {
    const s = this.#s;
    const inFlight = s.inFlight;
    const ahead = options.refreshAhead ?? s.options.refreshAhead;
    const out = new Array<unknown>(keys.length);
    const waits: Promise<void>[] = [];
    const owned = new Map<string, Owned>();
    const nearExpiry: ToLoad[] = [];
    // One read of the first tier for the whole batch; later tiers only see the keys it missed.
    const first = this.#reads.firstMany(keys);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const local = first?.[i];
      if (local !== undefined && !local.stale) {
        out[i] = local.entry.value;
        if (report !== undefined) report[i] = { outcome: 'hit', tier: local.tier.tier.name };
        if (ahead > 0 && s.nearExpiry(local.entry, ahead)) {
          nearExpiry.push({ key, logical: logicals[i]!, stale: local.entry });
        }
        continue;
      }
      const mine = owned.get(key);
      const joined = mine?.settle.promise ?? inFlight.loads.get(key);
      if (joined !== undefined) {
        if (mine === undefined) s.stats.counters.getOrSet.singleFlightJoins++;
        waits.push(
          joined.then((resolution) => {
            out[i] = resolution.value;
            if (report !== undefined) report[i] = { outcome: resolution.result, tier: resolution.tier };
          }),
        );
        continue;
      }
      const settle = settleable<Resolution>();
      inFlight.loads.set(key, settle.promise);
      const done = (): void => {
        if (inFlight.loads.get(key) === settle.promise) inFlight.loads.delete(key);
      };
      settle.promise.then(done, done);
      owned.set(key, { key, logical: logicals[i]!, settle, local });
      waits.push(
        settle.promise.then((resolution) => {
          out[i] = resolution.value;
          if (report !== undefined) report[i] = { outcome: resolution.result, tier: resolution.tier };
        }),
      );
    }
    if (owned.size > 0) {
      await this.#resolveOwned([...owned.values()], loadMany, options, ahead, nearExpiry, first === undefined ? 0 : 1);
    }
    if (nearExpiry.length > 0) this.#refreshAhead(nearExpiry, loadMany, options);
    await Promise.all(waits);
    return out;
  }

  /** Reads the owned keys from every tier at once, answers hits and stale keys, loads the rest. */
  async #resolveOwned(
    owned: readonly Owned[],
    loadMany: LoadMany<unknown>,
    options: GetOrSetManyOptions,
    ahead: number,
    nearExpiry: ToLoad[],
    fromTier: number,
  ): Promise<void> {
    const s = this.#s;
    let found: (Found | undefined)[];
    try {
      found = await this.#reads.lookupMany(
        owned.map((item) => item.key),
        true,
        fromTier,
      );
    } catch (error) {
      for (const item of owned) item.settle.reject(error);
      return;
    }
    const toLoad: ToLoad[] = [];
    for (let j = 0; j < owned.length; j++) {
      const { key, logical, settle, local } = owned[j]!;
      const hit = found[j] ?? local;
      if (hit !== undefined && !hit.stale) {
        settle.resolve({ value: hit.entry.value, result: 'hit', tier: hit.tier.tier.name, entry: hit.entry });
        if (ahead > 0 && s.nearExpiry(hit.entry, ahead)) nearExpiry.push({ key, logical, stale: hit.entry });
        continue;
      }
      if (hit !== undefined) {
        // Stale-while-revalidate: the last value now, the refresh in this batch's load.
        s.stats.staleServed(key);
        settle.resolve({ value: hit.entry.value, result: 'stale', tier: hit.tier.tier.name, entry: hit.entry });
      }
      const running = s.inFlight.refreshes.get(key);
      if (running !== undefined) {
        s.stats.counters.getOrSet.singleFlightJoins++;
        if (hit === undefined) running.promise.then((entry) => settle.resolve(missResolution(entry)), settle.reject);
        continue;
      }
      toLoad.push(hit === undefined ? { key, logical, stale: undefined, settle } : { key, logical, stale: hit.entry });
    }
    if (toLoad.length > 0) await this.#load(toLoad, loadMany, options);
  }

  /** Starts one background load for hits close to expiry that nobody is refreshing yet. */
  #refreshAhead(items: readonly ToLoad[], loadMany: LoadMany<unknown>, options: GetOrSetManyOptions): void {
    const refreshes = this.#s.inFlight.refreshes;
    const seen = new Set<string>();
    const due = items.filter((item) => {
      if (seen.has(item.key) || refreshes.has(item.key)) return false;
      seen.add(item.key);
      return true;
    });
    if (due.length === 0) return;
    this.#s.stats.counters.getOrSet.refreshAheads += due.length;
    void this.#load(due, loadMany, options).catch(noop);
  }

  /**
   * One `loadMany` call for `items`, registered as the refresh of each key (so `getOrSet` and
   * other batches join it and invalidations reach it), then one write per tier.
   */
  async #load(items: readonly ToLoad[], loadMany: LoadMany<unknown>, options: GetOrSetManyOptions): Promise<void> {
    const s = this.#s;
    const counters = s.stats.counters;
    const inFlight = s.inFlight;
    // Stamped before the source is read: a tag invalidated while it runs wins.
    const createdAt = s.stamp();
    const records = items.map((item) => {
      const settle = settleable<Entry | undefined>();
      const record: Refresh = { key: item.key, invalidated: false, promise: settle.promise };
      settle.promise.catch(noop);
      inFlight.refreshes.set(item.key, record);
      inFlight.running.add(record);
      return { record, settle };
    });
    const finish = (): void => {
      for (const { record } of records) {
        inFlight.running.delete(record);
        if (inFlight.refreshes.get(record.key) === record) inFlight.refreshes.delete(record.key);
      }
    };
    const fail = (error: unknown): void => {
      finish();
      for (let j = 0; j < items.length; j++) {
        records[j]!.settle.reject(error);
        items[j]!.settle?.reject(error);
      }
    };
    let values: readonly unknown[];
    const unstored = new Set<string>();
    counters.getOrSet.batchLoads++;
    counters.getOrSet.batchLoadedKeys += items.length;
    const families = s.stats.families;
    const started = families === undefined ? 0 : performance.now();
    try {
      values = await loadMany(
        items.map((item) => item.logical),
        { stale: items.map((item) => item.stale?.value), skipCache: (key) => unstored.add(key) },
      );
      if (!Array.isArray(values) || values.length !== items.length)
        throw new CacheLoadResultError(items.length, values);
      if (families !== undefined) {
        // Each key waited for the whole batch: that is its load time.
        const ms = performance.now() - started;
        for (const item of items) {
          const family = families.of(item.key);
          family.loads++;
          family.loadTime.record(ms);
        }
      }
    } catch (error) {
      if (families !== undefined) for (const item of items) families.of(item.key).loadErrors++;
      counters.getOrSet.factoryErrors++;
      s.events.emit({ type: 'factory-error', key: items[0]!.key, error });
      fail(error);
      return;
    }
    let entries: Entry[];
    const writes: { key: string; entry: Entry; record: Refresh }[] = [];
    try {
      entries = items.map((item, j) => {
        const tags = typeof options.tags === 'function' ? options.tags(item.logical) : options.tags;
        const entry = s.buildEntry(
          values[j],
          { ttl: options.ttl, grace: options.grace, tags, sensitive: options.sensitive },
          createdAt,
        );
        const store = values[j] !== undefined && !unstored.has(item.logical);
        if (store && !records[j]!.record.invalidated && s.tagsValid(entry)) {
          writes.push({ key: item.key, entry, record: records[j]!.record });
        }
        return entry;
      });
      if (writes.length > 0) {
        await this.#writes.writeMany(writes);
        await this.#writes.announceWrites(writes.map((write) => write.key));
        // Invalidated while we were writing: take back what we wrote (leave newer loads alone).
        const late = writes.filter((write) => write.record.invalidated);
        if (late.length > 0)
          await this.#writes.remove(
            late.map((write) => write.key),
            false,
            false,
          );
      }
    } catch (error) {
      fail(error);
      return;
    }
    finish();
    for (let j = 0; j < items.length; j++) {
      records[j]!.settle.resolve(entries[j]);
      items[j]!.settle?.resolve(missResolution(entries[j]));
    }
  }
}

function missResolution(entry: Entry | undefined): Resolution {
  return { value: entry?.value, result: 'miss', tier: ORIGIN, entry };
}
