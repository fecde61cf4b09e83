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

/** The outcome of {@link paired}: medians over rounds, in ns per call. */
export interface PairedTiming {
  /** Median over rounds of (ours / floor) for that round. */
  ratio: number;
  floorAvg: number;
  oursAvg: number;
  rounds: number;
  callsPerRound: number;
}

/**
 * Measures `ours` against `floor` in alternating rounds of `calls` sequential awaited calls and
 * takes the median of the per-round ratios. On a shared, busy machine the load drifts within
 * seconds; alternating keeps both sides under the same load, so the ratio is steadier than two
 * separate cases measured at different times.
 */
export async function paired(
  floor: () => unknown,
  ours: () => unknown,
  options: { rounds?: number; calls?: number } = {},
): Promise<PairedTiming> {
  const rounds = options.rounds ?? 21;
  const calls = options.calls ?? 100;
  const run = async (fn: () => unknown): Promise<number> => {
    const started = performance.now();
    for (let i = 0; i < calls; i++) await fn();
    return ((performance.now() - started) * 1e6) / calls;
  };
  await run(floor);
  await run(ours);
  const ratios: number[] = [];
  const floors: number[] = [];
  const mine: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so neither always runs right after the other's GC.
    const first = r % 2 === 0;
    const a = await run(first ? floor : ours);
    const b = await run(first ? ours : floor);
    const f = first ? a : b;
    const o = first ? b : a;
    floors.push(f);
    mine.push(o);
    ratios.push(o / f);
  }
  const median = (values: number[]) =>
    quantile(
      [...values].sort((x, y) => x - y),
      0.5,
    );
  return { ratio: median(ratios), floorAvg: median(floors), oursAvg: median(mine), rounds, callsPerRound: calls };
}
