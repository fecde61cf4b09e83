/** Timing through mitata's `measure`, and percentiles of latencies recorded by hand. */
import { measure } from 'mitata';

/** One measured case, in nanoseconds per operation. */
export interface Timing {
  /** Mean of the samples. */
  avg: number;
  /** 99th percentile of the samples (of batch means when `batched`). */
  p99: number;
  /** Samples kept by mitata (it drops the two lowest and two highest). */
  samples: number;
  /** Operations run while measuring. */
  ops: number;
  /** Whether each sample is the mean of a batch of calls (sub-microsecond operations). */
  batched: boolean;
}

/** One library's result in a table. */
export interface Row {
  /** Library (and configuration, when a library appears twice). */
  lib: string;
  timing: Timing;
  /** Something the reader must know about this row. */
  note?: string;
}

/** How to measure one case. */
export interface MeasureOptions {
  /** Measuring time (mitata `min_cpu_time`; wall time for awaited work), ms. */
  ms: number;
  /**
   * Time every call on its own instead of in batches of 4,096. Right for operations of several
   * microseconds (a Redis round trip), where per-call timer overhead is noise and a real p99 matters.
   */
  perCall?: boolean;
}

/** Measures `fn` (awaited when it returns a promise) with mitata. */
export async function time(fn: () => unknown, options: MeasureOptions): Promise<Timing> {
  const stats = await measure(fn, {
    min_cpu_time: options.ms * 1e6,
    // 0 makes mitata time each call; its default batches calls faster than 65 µs.
    ...(options.perCall ? { batch_threshold: 0 } : {}),
  });
  return {
    avg: stats.avg,
    p99: stats.p99,
    samples: stats.samples.length,
    ops: stats.ticks,
    batched: stats.ticks > stats.samples.length,
  };
}

/** The `q` quantile (0..1) of `sorted` (ascending), nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
