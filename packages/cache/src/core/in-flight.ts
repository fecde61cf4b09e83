/**
 * What is under way per key: the load a new `getOrSet` caller may join, the refresh (factory
 * run) it may join, and every refresh still running. Invalidations go through here, so no caller
 * arriving after a write ever joins work that began before it.
 */
import type { Entry } from '../types.ts';

/** How `getOrSet` resolved; shared by every caller joined to one load. */
export interface Resolution {
  readonly value: unknown;
  readonly result: 'hit' | 'stale' | 'miss' | 'bypass';
  readonly tier: string;
  readonly entry: Entry | undefined;
}

/** One factory run. `invalidated` stops it from storing what it read. */
export interface Refresh {
  readonly key: string;
  invalidated: boolean;
  promise: Promise<Entry | undefined>;
}

/** See the file comment. */
export class InFlight {
  /** The load (lookup, then maybe a refresh) a new caller may join, per key. */
  readonly loads = new Map<string, Promise<Resolution>>();
  /** The refresh a new caller may join, per key. */
  readonly refreshes = new Map<string, Refresh>();
  /** Every refresh still running, joinable or not: invalidations must reach them all. */
  readonly running = new Set<Refresh>();

  /**
   * Cuts in-flight work on `key` loose from new callers: a load or refresh that began before an
   * invalidation may return the old value to the callers already waiting on it, but a caller
   * arriving after the invalidation (the writer reading its own write) must start afresh.
   * `invalidated` also stops the old refresh from storing what it read.
   */
  detach(key: string, invalidated: boolean): void {
    if (invalidated) for (const running of this.running) if (running.key === key) running.invalidated = true;
    this.refreshes.delete(key);
    this.loads.delete(key);
  }

  /** Detaches every key under `prefix` (all with ''), marking their refreshes invalidated. */
  detachPrefix(prefix: string): void {
    for (const running of this.running) if (running.key.startsWith(prefix)) running.invalidated = true;
    for (const key of [...this.refreshes.keys()]) if (key.startsWith(prefix)) this.refreshes.delete(key);
    for (const key of [...this.loads.keys()]) if (key.startsWith(prefix)) this.loads.delete(key);
  }

  /**
   * After a tag invalidation, no new caller may join a load that began before it. (Those loads
   * still store their value unless its tags were invalidated: `tagsValid` decides on write; and
   * they stay in `running`, so a later key invalidation still stops them.)
   */
  detachAll(): void {
    this.loads.clear();
    this.refreshes.clear();
  }
}
