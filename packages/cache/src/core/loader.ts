/**
 * `getOrSet` behind the fast path: one load per key (lookup, then at most one factory run),
 * stale-while-revalidate and grace, soft and hard timeouts, the cross-process lock, and writes
 * that lose to any invalidation that came after the source read.
 */
import { MAX_TIMER_MS, schedule } from '../clock.ts';
import { CacheFactoryTimeoutError } from '../errors.ts';
import type { Clock, Entry, Ms } from '../types.ts';
import type { Factory, GetOrSetOptions, WriteOptions } from './api-types.ts';
import type { InFlight, Refresh, Resolution } from './in-flight.ts';
import type { LoadReads, LoadState, LoadWrites } from './load-host.ts';
import type { CacheCounters } from './stats.ts';

const ORIGIN = 'origin';
const noop = (): void => {};

/**
 * Races `work` against `ms` of the cache's clock (so a fake clock drives soft and hard timeouts
 * in tests), and always clears the timer, whichever wins.
 */
export function raceTimeout<T>(clock: Clock, ms: Ms, work: Promise<T>): Promise<T | 'timeout'> {
  // Longer than a timer can wait (Infinity included): no timeout at all.
  if (ms > MAX_TIMER_MS) return work;
  let cancel: (() => void) | undefined;
  const timer = new Promise<'timeout'>((resolve) => {
    cancel = schedule(clock, ms, () => resolve('timeout'));
  });
  return Promise.race([work, timer]).finally(() => cancel?.());
}

/** See the file comment. */
export class Loader {
  readonly #s: LoadState;
  readonly #reads: LoadReads;
  readonly #writes: LoadWrites;
  readonly #counters: CacheCounters;
  readonly #inFlight: InFlight;

  constructor(state: LoadState, reads: LoadReads, writes: LoadWrites) {
    this.#s = state;
    this.#reads = reads;
    this.#writes = writes;
    this.#counters = state.stats.counters;
    this.#inFlight = state.inFlight;
  }

  /**
   * `getOrSet` after the fast path missed. Concurrent callers for one key share one load
   * (lookup, then at most one factory call).
   */
  getOrSet(key: string, logicalKey: string, factory: Factory<unknown>, options: GetOrSetOptions): Promise<Resolution> {
    if (options.forceFresh) return this.#bypass(key, logicalKey, factory, options);
    const joined = this.#inFlight.loads.get(key);
    if (joined !== undefined) {
      this.#counters.getOrSet.singleFlightJoins++;
      return joined;
    }
    const load = this.#resolve(key, logicalKey, factory, options);
    this.#inFlight.loads.set(key, load);
    const done = (): void => {
      if (this.#inFlight.loads.get(key) === load) this.#inFlight.loads.delete(key);
    };
    load.then(done, done);
    return load;
  }

  async #resolve(
    key: string,
    logicalKey: string,
    factory: Factory<unknown>,
    options: GetOrSetOptions,
  ): Promise<Resolution> {
    const found = await this.#reads.lookup(key);
    if (found !== undefined && !found.stale) {
      const ahead = options.refreshAhead ?? this.#s.options.refreshAhead;
      if (ahead > 0 && this.#s.nearExpiry(found.entry, ahead)) {
        this.refreshAhead(key, logicalKey, factory, options, found.entry);
      }
      return { value: found.entry.value, result: 'hit', tier: found.tier.tier.name, entry: found.entry };
    }
    const refresh = this.refresh(key, logicalKey, factory, options, found?.entry);
    if (found !== undefined) {
      const stale: Resolution = {
        value: found.entry.value,
        result: 'stale',
        tier: found.tier.tier.name,
        entry: found.entry,
      };
      const soft = options.softTimeout ?? this.#s.options.softTimeout;
      if (soft === 0) {
        refresh.catch(noop);
        this.#s.stats.staleServed(key);
        return stale;
      }
      const settled = await raceTimeout(
        this.#s.options.clock,
        soft,
        refresh.then(
          (entry) => ({ entry }),
          (error: unknown) => ({ error }),
        ),
      );
      if (settled === 'timeout') {
        this.#s.stats.staleServed(key);
        return stale;
      }
      if ('error' in settled) {
        // The source is failing: the last good value is better than an error (grace).
        this.#s.stats.staleServed(key, true);
        this.#s.events.emit({ type: 'grace-serve', key });
        return stale;
      }
      return { value: settled.entry?.value, result: 'miss', tier: ORIGIN, entry: settled.entry };
    }
    const timeout = options.timeout;
    if (timeout === undefined || timeout === Number.POSITIVE_INFINITY) {
      const entry = await refresh;
      return { value: entry?.value, result: 'miss', tier: ORIGIN, entry };
    }
    const settled = await raceTimeout(this.#s.options.clock, timeout, refresh);
    if (settled === 'timeout') {
      this.#counters.getOrSet.factoryTimeouts++;
      refresh.catch(noop); // it goes on and fills the cache for the next caller
      throw new CacheFactoryTimeoutError(key, timeout);
    }
    return { value: settled?.value, result: 'miss', tier: ORIGIN, entry: settled };
  }

  async #bypass(
    key: string,
    logicalKey: string,
    factory: Factory<unknown>,
    options: GetOrSetOptions,
  ): Promise<Resolution> {
    // A forced refresh is never joined, but invalidations must still reach it.
    const record: Refresh = { key, invalidated: false, promise: Promise.resolve(undefined) };
    this.#inFlight.running.add(record);
    try {
      record.promise = this.#runFactory(key, logicalKey, factory, options, undefined, record, false);
      const entry = await record.promise;
      return { value: entry?.value, result: 'bypass', tier: ORIGIN, entry };
    } finally {
      this.#inFlight.running.delete(record);
    }
  }

  /** Starts one background refresh of `key` (joined if one runs); the caller already has its value. */
  refreshAhead(
    key: string,
    logicalKey: string,
    factory: Factory<unknown>,
    options: GetOrSetOptions,
    entry: Entry,
  ): void {
    if (this.#s.closed || this.#inFlight.refreshes.has(key)) return;
    this.#counters.getOrSet.refreshAheads++;
    this.refresh(key, logicalKey, factory, options, entry).catch(noop);
  }

  /** Starts (or joins) the one factory run for `key`. */
  refresh(
    key: string,
    logicalKey: string,
    factory: Factory<unknown>,
    options: GetOrSetOptions,
    stale: Entry | undefined,
  ): Promise<Entry | undefined> {
    const running = this.#inFlight.refreshes.get(key);
    if (running !== undefined) return running.promise;
    const record: Refresh = { key, invalidated: false, promise: Promise.resolve(undefined) };
    const useLock = this.#s.options.lock !== undefined && (options.lock ?? this.#s.options.lockByDefault);
    record.promise = this.#runFactory(key, logicalKey, factory, options, stale, record, useLock);
    this.#inFlight.refreshes.set(key, record);
    this.#inFlight.running.add(record);
    const done = (): void => {
      this.#inFlight.running.delete(record);
      if (this.#inFlight.refreshes.get(key) === record) this.#inFlight.refreshes.delete(key);
    };
    record.promise.then(done, done);
    return record.promise;
  }

  async #runFactory(
    key: string,
    logicalKey: string,
    factory: Factory<unknown>,
    options: GetOrSetOptions,
    stale: Entry | undefined,
    record: { invalidated: boolean },
    useLock: boolean,
  ): Promise<Entry | undefined> {
    // Stamped before the source is read: a tag invalidated while the factory runs wins.
    const createdAt = this.#s.stamp();
    let release: (() => Promise<void>) | undefined;
    if (useLock) {
      const taken = await this.#lockOrWait(key);
      if ('entry' in taken) return taken.entry;
      release = taken.release;
    }
    try {
      const writeOptions: WriteOptions = {
        ttl: options.ttl,
        grace: options.grace,
        tags: options.tags,
        etag: options.etag,
        sensitive: options.sensitive,
      };
      let skip = false;
      this.#counters.getOrSet.factoryCalls++;
      if (this.#s.events.active) this.#s.events.emit({ type: 'factory-call', key });
      const family = this.#s.stats.familyOf(key);
      const started = family === undefined ? 0 : performance.now();
      let value: unknown;
      try {
        value = await factory({
          key: logicalKey,
          stale: stale?.value,
          staleEtag: stale?.etag,
          options: writeOptions,
          skipCache: () => {
            skip = true;
          },
        });
      } catch (error) {
        this.#counters.getOrSet.factoryErrors++;
        if (family !== undefined) family.loadErrors++;
        this.#s.events.emit({ type: 'factory-error', key, error });
        throw error;
      }
      if (family !== undefined) {
        family.loads++;
        family.loadTime.record(performance.now() - started);
      }
      const entry = this.#s.buildEntry(value, writeOptions, createdAt);
      if (value === undefined || skip) return entry;
      this.#s.checkWritable(key, entry.sensitive);
      // A delete, clear or tag invalidation that ran meanwhile makes this value old: return it
      // to this caller (its read began before the write) but never store it.
      if (record.invalidated || !this.#s.tagsValid(entry)) return entry;
      await this.#writes.write(key, entry, true);
      await this.#writes.announceWrites([key]);
      // Invalidated while we were writing: take back what we wrote (leave newer loads alone).
      if (record.invalidated) await this.#writes.remove([key], false, false);
      return entry;
    } finally {
      if (release) await release().catch(noop);
    }
  }

  /** Takes the cross-process lock, or waits for its holder and reads what it wrote. */
  async #lockOrWait(
    key: string,
  ): Promise<{ entry: Entry | undefined } | { release: (() => Promise<void>) | undefined }> {
    const lock = this.#s.options.lock!;
    const ttl = this.#s.options.lockTtl;
    // `null` = the lock service failed: compute without it rather than wait for a holder that may not exist.
    const acquire = () => lock.acquire(key, ttl).catch(() => null);
    const release = await acquire();
    if (release === null) {
      this.#counters.getOrSet.lockErrors++;
      return { release: undefined };
    }
    if (release !== undefined) {
      // Check the shared tiers again: another process may have filled the key while we took the lock.
      const again = await this.#reads.lookup(key, true);
      if (again !== undefined && !again.stale) {
        await release().catch(noop);
        return { entry: again.entry };
      }
      return { release };
    }
    this.#counters.getOrSet.lockWaits++;
    await lock.waitForRelease(key, this.#s.options.lockWait).catch(() => false);
    const filled = await this.#reads.lookup(key, true);
    if (filled !== undefined && !filled.stale) return { entry: filled.entry };
    // The holder died or gave up without writing: take over (one more try for the lock).
    this.#counters.getOrSet.lockTakeovers++;
    return { release: (await acquire()) ?? undefined };
  }
}
