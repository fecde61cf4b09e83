/**
 * The cache engine: composes the shared state, the read path, the write path, the bus link and
 * the two loaders, runs the sweep on the cache's clock, and closes everything. Works on full
 * (namespaced, validated) keys only; the public `Cache` in `cache.ts` validates keys and applies
 * namespaces before calling in.
 */
import { schedule } from '../clock.ts';
import { CacheClosedError } from '../errors.ts';
import type { Entry } from '../types.ts';
import type { Factory, GetOrSetOptions } from './api-types.ts';
import { BatchLoader, type GetOrSetManyOptions, type LoadMany } from './batch-loader.ts';
import { BusLink } from './bus-link.ts';
import type { Resolution } from './in-flight.ts';
import { Loader } from './loader.ts';
import type { KeyOutcome } from './operations.ts';
import type { ResolvedOptions } from './options.ts';
import { ReadPath } from './reads.ts';
import { CacheState } from './state.ts';
import type { CacheStats } from './stats.ts';
import { WritePath } from './writes.ts';

const noop = (): void => {};

/** See the file comment. */
export class CacheEngine {
  readonly state: CacheState;
  readonly reads: ReadPath;
  readonly writes: WritePath;
  readonly bus: BusLink;
  readonly #loader: Loader;
  readonly #batchLoader: BatchLoader;
  #cancelSweep: () => void = noop;

  constructor(options: ResolvedOptions) {
    const state = new CacheState(options);
    this.state = state;
    this.reads = new ReadPath(state);
    this.bus = new BusLink(state);
    this.writes = new WritePath(state, this.reads, this.bus);
    this.#loader = new Loader(state, this.reads, this.writes);
    this.#batchLoader = new BatchLoader(state, this.reads, this.writes);
    this.#scheduleSweep();
  }

  /**
   * `getOrSet` after the fast path missed: see `loader.ts`. Concurrent callers for one key share
   * one load (lookup, then at most one factory call).
   */
  getOrSet(key: string, logicalKey: string, factory: Factory<unknown>, options: GetOrSetOptions): Promise<Resolution> {
    if (this.state.closed) return Promise.reject(new CacheClosedError());
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
    if (this.state.closed) return Promise.reject(new CacheClosedError());
    return this.#batchLoader.getOrSetMany(keys, logicals, loadMany, options, report);
  }

  /** Starts one background refresh of `key` (joined if one runs); the caller already has its value. */
  refreshAhead(
    key: string,
    logicalKey: string,
    factory: Factory<unknown>,
    options: GetOrSetOptions,
    entry: Entry,
  ): void {
    this.#loader.refreshAhead(key, logicalKey, factory, options, entry);
  }

  /** What `stats()` returns: counters only, nothing scanned. */
  stats(): CacheStats {
    return this.state.stats.report(this.state.runtimes, this.bus.healthy);
  }

  /** Stops the sweep and closes tiers, bus and lock. */
  async close(): Promise<void> {
    const state = this.state;
    if (state.closed) return;
    state.closed = true;
    this.#cancelSweep();
    await this.bus.close();
    await state.options.lock?.close?.().catch(noop);
    for (const rt of state.runtimes) {
      try {
        await rt.tier.close?.();
      } catch {
        // Closing is best effort; a tier that fails to close has nothing left to lose.
      }
    }
  }

  /** Sweeps every `sweepInterval` of the cache's clock (never when it is 0 or Infinity). */
  #scheduleSweep(): void {
    const { clock, sweepInterval } = this.state.options;
    if (!(sweepInterval > 0) || this.state.closed) return;
    this.#cancelSweep = schedule(clock, sweepInterval, () => {
      void this.writes.sweep().catch(noop);
      this.#scheduleSweep();
    });
  }
}

export type { CacheStatus, Factory, FactoryContext, GetOrSetOptions, WriteOptions } from './api-types.ts';
