/**
 * Outage: a stream of getOrSet calls while L2 freezes. Each library runs against a private
 * redis-server (never the shared one); 20 concurrent loops call getOrSet for a few seconds and
 * the server is SIGSTOPped in the middle, then SIGCONTed. A frozen server keeps its connections
 * open and answers nothing: the worst kind of failure for a client without deadlines.
 */
import { Redis } from 'ioredis';
import type { BenchConfig } from './config.ts';
import { bounded, makeKeys, TINY_L1, VALUE, type Value, WARM_KEYS, within } from './fixtures.ts';
import { seed, slug } from './redis.ts';
import { type PrivateRedis, startPrivateRedis } from './redis-server.ts';
import type { TieredBuilder } from './tiered.ts';
import { quantile } from './timing.ts';

/** Longest a single call may take before it is recorded as hung and the loop moves on. */
export const HUNG_MS = 5_000;

/** One library's outage result. */
export interface OutageRow {
  lib: string;
  calls: number;
  /** Calls that rejected. */
  failed: number;
  /** Calls still pending after {@link HUNG_MS}. */
  hung: number;
  /** Calls answered by running the factory (the value was not read from a cache). */
  factoryCalls: number;
  /** Calls that started while the server was frozen. */
  callsWhileFrozen: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  over1s: number;
  /** What went wrong while building or running, if anything. */
  error?: string;
}

/** Results of the outage section. */
export interface OutageResults {
  rows: OutageRow[];
  redisVersion: string;
}

/** Runs the outage scenario for each builder, one after the other, on one private server. */
export async function runOutage(
  config: BenchConfig,
  builders: readonly TieredBuilder[],
  log: (line: string) => void,
): Promise<OutageResults> {
  let server: PrivateRedis | undefined;
  let admin: Redis | undefined;
  const rows: OutageRow[] = [];
  try {
    server = await startPrivateRedis();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => {});
    const info = await within('private redis INFO', 5_000, () => admin!.info('server'));
    const redisVersion = /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
    log(`  private redis-server ${redisVersion} pid ${server.pid} at ${server.url}`);
    for (const builder of builders) {
      const row = await runOne(config, builder, server);
      log(
        `  outage     ${builder.lib.padEnd(28)} calls ${row.calls}, failed ${row.failed}, hung ${row.hung}, p99 ${row.p99Ms.toFixed(1)} ms, max ${row.maxMs.toFixed(0)} ms, >1 s ${row.over1s}${row.error ? `, error: ${row.error}` : ''}`,
      );
      rows.push(row);
      await within('private redis FLUSHALL', 5_000, () => admin!.flushall()).catch(() => {});
    }
    return { rows, redisVersion };
  } finally {
    admin?.disconnect();
    await server?.stop();
  }
}

async function runOne(config: BenchConfig, builder: TieredBuilder, server: PrivateRedis): Promise<OutageRow> {
  const row: OutageRow = {
    lib: builder.lib,
    calls: 0,
    failed: 0,
    hung: 0,
    factoryCalls: 0,
    callsWhileFrozen: 0,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    maxMs: Number.NaN,
    over1s: 0,
  };
  const keys = makeKeys('team', WARM_KEYS);
  let contender: Awaited<ReturnType<TieredBuilder['build']>> | undefined;
  let frozen = false;
  let freezeTimer: ReturnType<typeof setTimeout> | undefined;
  let thawTimer: ReturnType<typeof setTimeout> | undefined;
  try {
    contender = await within(`${builder.lib} build`, 10_000, () =>
      builder.build({ url: server.url, prefix: `outage-${slug(builder.lib)}-`, l1: TINY_L1 }),
    );
    await seed(contender, keys);
    const c = contender;
    const factory = async (): Promise<Value> => {
      row.factoryCalls++;
      return VALUE;
    };
    const latencies: number[] = [];
    const started = performance.now();
    const end = started + config.outageRunMs;
    freezeTimer = setTimeout(() => {
      server.freeze();
      frozen = true;
    }, config.outageStopAtMs);
    thawTimer = setTimeout(() => {
      server.thaw();
      frozen = false;
    }, config.outageStopAtMs + config.outageStopForMs);
    const loop = async (): Promise<void> => {
      while (performance.now() < end) {
        const key = keys[Math.floor(Math.random() * keys.length)]!;
        if (frozen) row.callsWhileFrozen++;
        const t0 = performance.now();
        const result = await bounded(() => c.getOrSet(key, factory), HUNG_MS);
        const elapsed = performance.now() - t0;
        row.calls++;
        latencies.push(elapsed);
        if (result.kind === 'error') row.failed++;
        else if (result.kind === 'hung') row.hung++;
        if (elapsed > 1_000) row.over1s++;
        // Yield to the event loop between calls, as a server between requests does. A call that
        // settles in microtasks only (answered from memory) would otherwise starve the timers
        // that freeze and thaw the server.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all(Array.from({ length: config.outageLoops }, loop));
    latencies.sort((a, b) => a - b);
    row.p50Ms = quantile(latencies, 0.5);
    row.p99Ms = quantile(latencies, 0.99);
    row.maxMs = latencies.at(-1) ?? Number.NaN;
  } catch (error) {
    row.error = (error as Error).message;
  } finally {
    clearTimeout(freezeTimer);
    clearTimeout(thawTimer);
    // Never leave the server frozen for the next library (or for cleanup).
    server.thaw();
    await contender?.close();
  }
  return row;
}
