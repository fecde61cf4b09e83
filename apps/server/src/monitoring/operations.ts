/**
 * Cache operations as the operators see them, `{key, family, tier, outcome, op, ms}`, from the
 * cache's `operation` events. The cache builds and times those only while someone listens, so
 * the tap attaches only while it has listeners (a monitor watcher, debug logging).
 */
import type { Cache } from '@agiletrack/cache';
import { CACHE_OUTCOMES, type CacheFamily, type CacheOutcome, cacheKeyFamily } from '@agiletrack/domain';

/** One operation on this instance. */
export interface LocalOp {
  at: number;
  key: string;
  family: CacheFamily;
  tier: string;
  op: string;
  outcome: CacheOutcome;
  ms: number;
}

/** Receives operations. */
export type OpListener = (op: LocalOp) => void;

const OUTCOMES: ReadonlySet<string> = new Set(CACHE_OUTCOMES);

/** See the file comment. */
export class OperationTap {
  readonly #listeners = new Set<OpListener>();
  #detach: (() => void) | undefined;

  constructor(
    readonly cache: Cache,
    readonly now: () => number = Date.now,
  ) {}

  /** Adds a listener (attaching to the cache on the first); returns the function that removes it. */
  add(listener: OpListener): () => void {
    this.#listeners.add(listener);
    this.#detach ??= this.cache.on('operation', (event) => {
      if (!OUTCOMES.has(event.outcome)) return;
      const op: LocalOp = {
        at: this.now(),
        key: event.key,
        // The cache's family option is the same function; recomputed for keys it has not seen.
        family: (event.family as CacheFamily | undefined) ?? cacheKeyFamily(event.key),
        tier: event.tier ?? '-',
        op: event.op,
        outcome: event.outcome as CacheOutcome,
        ms: Math.round(event.ms * 1_000) / 1_000,
      };
      for (const each of this.#listeners) each(op);
    });
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#detach?.();
        this.#detach = undefined;
      }
    };
  }

  /** Whether the cache's operation events are listened to now. */
  get attached(): boolean {
    return this.#detach !== undefined;
  }
}
