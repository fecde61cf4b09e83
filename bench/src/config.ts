/** Benchmark settings, read once from the environment. Every default is here. */
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The sections of a run, in the order they run. */
export type Section = 'memory' | 'redis' | 'outage';

const SECTIONS: readonly Section[] = ['memory', 'redis', 'outage'];

/** Everything a run needs to know. */
export interface BenchConfig {
  /** `BENCH_QUICK=1`: a smoke run of a few seconds; numbers are not a record. */
  readonly quick: boolean;
  /** Measuring time of one in-memory case (mitata `min_cpu_time`), ms. `BENCH_CASE_MS`. */
  readonly caseMs: number;
  /** Measuring time of one Redis case, ms. `BENCH_REDIS_CASE_MS`. */
  readonly redisCaseMs: number;
  /** Measuring time of one stampede case, ms. */
  readonly stampedeMs: number;
  /** The shared Redis used as L2. `REDIS_URL`. */
  readonly redisUrl: string;
  /** Length of the outage scenario per library, ms (the server is stopped in the middle). */
  readonly outageRunMs: number;
  /** When the server is stopped, ms after the start of the scenario. */
  readonly outageStopAtMs: number;
  /** How long the server stays stopped, ms. */
  readonly outageStopForMs: number;
  /** Concurrent getOrSet loops in the outage scenario. */
  readonly outageLoops: number;
  /** Sections to run. `BENCH_ONLY=memory,redis`. */
  readonly sections: ReadonlySet<Section>;
  /** Where the report is written. `BENCH_OUT`; quick runs default to a temp file. */
  readonly out: string;
}

/** The bench workspace directory. */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new TypeError(`${name} must be a positive integer (ms), got ${raw}`);
  return value;
}

function sections(): Set<Section> {
  const raw = process.env.BENCH_ONLY;
  if (!raw) return new Set(SECTIONS);
  const picked = raw.split(',').map((part) => part.trim());
  for (const name of picked) {
    if (!SECTIONS.includes(name as Section)) {
      throw new TypeError(`BENCH_ONLY: unknown section "${name}"; expected some of ${SECTIONS.join(', ')}`);
    }
  }
  return new Set(picked as Section[]);
}

/** Reads the configuration; throws a precise `TypeError` on a malformed variable. */
export function readConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  const outageRunMs = quick ? 1_500 : 4_000;
  return {
    quick,
    caseMs: positiveInt('BENCH_CASE_MS', quick ? 60 : 1_000),
    redisCaseMs: positiveInt('BENCH_REDIS_CASE_MS', quick ? 60 : 700),
    stampedeMs: quick ? 30 : 400,
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    outageRunMs,
    outageStopAtMs: quick ? 300 : 1_000,
    outageStopForMs: quick ? 700 : 2_000,
    outageLoops: 20,
    sections: sections(),
    out:
      process.env.BENCH_OUT || (quick ? join(tmpdir(), 'agiletrack-bench-RESULTS.md') : join(BENCH_DIR, 'RESULTS.md')),
  };
}
