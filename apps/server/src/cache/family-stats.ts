/**
 * Per-family counters of one instance, cumulative since start: reads, loads and their time,
 * errors. Fed by the operation tap; analytics, Prometheus and alerts read snapshots.
 */
import { CACHE_FAMILIES, type CacheFamily } from '@agiletrack/domain';
import type { LocalOp, OperationTap } from './operations.ts';

/** Cumulative counters of one family. */
export interface FamilyCounts {
  /** Reads answered from a tier, fresh or stale. */
  hits: number;
  /** Of `hits`, those answered with a stale entry. */
  staleHits: number;
  misses: number;
  /** Stale values served: stale hits plus grace serves (the source failed). */
  staleServes: number;
  loads: number;
  /** Total load time, ms. */
  loadMs: number;
  errors: number;
}

/** Upper bounds of the load-time buckets, in seconds (Prometheus histogram). */
export const LOAD_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const zero = (): FamilyCounts => ({ hits: 0, staleHits: 0, misses: 0, staleServes: 0, loads: 0, loadMs: 0, errors: 0 });

/** See the file comment. */
export class FamilyStats {
  readonly #counts = new Map<CacheFamily, FamilyCounts>(CACHE_FAMILIES.map((f) => [f, zero()]));
  readonly #loadBuckets = new Map<CacheFamily, number[]>(
    CACHE_FAMILIES.map((f) => [f, new Array<number>(LOAD_BUCKETS_S.length + 1).fill(0)]),
  );
  readonly #listeners = new Set<(op: LocalOp) => void>();
  readonly #off: () => void;

  constructor(tap: OperationTap) {
    this.#off = tap.add((op) => this.#record(op));
  }

  /** A copy of every family's counters. */
  snapshot(): Record<CacheFamily, FamilyCounts> {
    const out = {} as Record<CacheFamily, FamilyCounts>;
    for (const [family, counts] of this.#counts) out[family] = { ...counts };
    return out;
  }

  /** Non-cumulative counts per load-time bucket (`LOAD_BUCKETS_S`, then +Inf) of one family. */
  loadBuckets(family: CacheFamily): readonly number[] {
    return this.#loadBuckets.get(family) ?? [];
  }

  /** Called after each recorded operation (slow-load logging). */
  onOp(listener: (op: LocalOp) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#off();
  }

  #record(op: LocalOp): void {
    const counts = this.#counts.get(op.family)!;
    switch (op.outcome) {
      case 'hit':
        counts.hits++;
        break;
      case 'stale':
        counts.hits++;
        counts.staleHits++;
        counts.staleServes++;
        break;
      case 'grace':
        counts.staleServes++;
        break;
      case 'miss':
        counts.misses++;
        break;
      case 'load': {
        counts.loads++;
        counts.loadMs += op.ms;
        const buckets = this.#loadBuckets.get(op.family)!;
        const seconds = op.ms / 1_000;
        let i = 0;
        while (i < LOAD_BUCKETS_S.length && seconds > LOAD_BUCKETS_S[i]!) i++;
        buckets[i]!++;
        break;
      }
      case 'error':
        counts.errors++;
        break;
      default:
        break;
    }
    for (const listener of this.#listeners) listener(op);
  }
}
