/**
 * Cache operations as the operators see them: `{key, family, tier, outcome, ms}`, built from the
 * cache's events and handed to whoever taps them (analytics counters, the live monitor, logs).
 */
import type { Cache } from '@agiletrack/cache';
import { type CacheFamily, type CacheOutcome, cacheKeyFamily } from '@agiletrack/domain';

/** One operation on this instance. */
export interface LocalOp {
  at: number;
  key: string;
  family: CacheFamily;
  tier: string;
  outcome: CacheOutcome;
  ms: number;
}

/** Receives operations. */
export type OpListener = (op: LocalOp) => void;

// Loads whose end never shows (a factory that skipped the cache) must not pile up.
const MAX_PENDING_LOADS = 10_000;
// A delete of many keys is one operation per key, up to this many.
const MAX_DELETE_KEYS = 20;

/** Listens to a cache's events while anyone taps them, and turns them into operations. */
export class OperationTap {
  readonly #listeners = new Set<OpListener>();
  readonly #loads = new Map<string, number>();
  #detach: (() => void) | undefined;

  constructor(
    readonly cache: Cache,
    readonly now: () => number = Date.now,
  ) {}

  /** Adds a listener (attaching to the cache on the first); returns the function that removes it. */
  add(listener: OpListener): () => void {
    this.#listeners.add(listener);
    if (!this.#detach) this.#attach();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#detach?.();
        this.#detach = undefined;
        this.#loads.clear();
      }
    };
  }

  #emit(key: string, tier: string, outcome: CacheOutcome, ms = 0): void {
    const op: LocalOp = { at: this.now(), key, family: cacheKeyFamily(key), tier, outcome, ms };
    for (const listener of this.#listeners) listener(op);
  }

  #loadTime(key: string): number {
    const started = this.#loads.get(key);
    if (started === undefined) return 0;
    this.#loads.delete(key);
    return Math.round((performance.now() - started) * 1_000) / 1_000;
  }

  #attach(): void {
    const cache = this.cache;
    const offs = [
      cache.on('hit', (e) => this.#emit(e.key, e.tier, e.stale ? 'stale' : 'hit')),
      cache.on('miss', (e) => this.#emit(e.key, 'all', 'miss')),
      cache.on('grace-serve', (e) => this.#emit(e.key, 'all', 'grace')),
      cache.on('factory-call', (e) => {
        if (this.#loads.size >= MAX_PENDING_LOADS) this.#loads.clear();
        this.#loads.set(e.key, performance.now());
      }),
      cache.on('factory-error', (e) => this.#emit(e.key, 'origin', 'error', this.#loadTime(e.key))),
      cache.on('set', (e) => {
        if (this.#loads.has(e.key)) this.#emit(e.key, 'origin', 'load', this.#loadTime(e.key));
        else this.#emit(e.key, 'all', 'set');
      }),
      cache.on('delete', (e) => {
        for (const key of e.keys.slice(0, MAX_DELETE_KEYS)) this.#emit(key, 'all', 'delete');
      }),
      cache.on('write-refused', (e) => this.#emit(e.key, e.tier, 'error')),
    ];
    this.#detach = () => {
      for (const off of offs) off();
    };
  }
}
