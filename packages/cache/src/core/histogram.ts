/**
 * A fixed-bucket latency histogram: recording is two array writes, reading never scans entries.
 * Buckets are in milliseconds, spaced roughly 1-2.5-5 from 1 µs to 10 s.
 */

/** Upper bounds of the buckets, in ms; the last bucket is unbounded. */
export const BUCKET_BOUNDS_MS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
  10_000,
] as const;

/** A histogram read out: counts per bucket and estimated percentiles (bucket upper bounds). */
export interface HistogramSnapshot {
  count: number;
  sumMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** `[upperBoundMs, count]` for non-empty buckets; `Infinity` for the overflow bucket. */
  buckets: [number, number][];
}

/** See the file comment. */
export class Histogram {
  readonly #counts = new Array<number>(BUCKET_BOUNDS_MS.length + 1).fill(0);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one duration in ms. */
  record(ms: number): void {
    let i = 0;
    while (i < BUCKET_BOUNDS_MS.length && ms > BUCKET_BOUNDS_MS[i]!) i++;
    this.#counts[i]!++;
    this.#count++;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
  }

  /** Reads the histogram out. */
  snapshot(): HistogramSnapshot {
    const quantile = (q: number): number => {
      if (this.#count === 0) return 0;
      const rank = Math.ceil(q * this.#count);
      let seen = 0;
      for (let i = 0; i < this.#counts.length; i++) {
        seen += this.#counts[i]!;
        if (seen >= rank) return Math.min(BUCKET_BOUNDS_MS[i] ?? this.#max, this.#max);
      }
      return this.#max;
    };
    const buckets: [number, number][] = [];
    this.#counts.forEach((count, i) => {
      if (count > 0) buckets.push([BUCKET_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY, count]);
    });
    return {
      count: this.#count,
      sumMs: this.#sum,
      meanMs: this.#count === 0 ? 0 : this.#sum / this.#count,
      p50Ms: quantile(0.5),
      p90Ms: quantile(0.9),
      p99Ms: quantile(0.99),
      maxMs: this.#max,
      buckets,
    };
  }
}
