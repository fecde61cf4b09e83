/**
 * Several cache processes sharing one Redis (L2, bus, tag store, lock), each a child process
 * running `testing/fixtures/cache-worker.ts`. Tests that kill or freeze Redis start their own
 * `redis-server`; the shared Redis is never stopped. Delays are printed, not asserted beyond
 * generous bounds: timing claims live in bench/.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, whenReady } from './backends/redis/client.ts';
import { startWorker, type Worker, type WorkerConfig } from './testing/fixtures/workers.ts';
import { startRedisServer } from './testing/redis-cluster.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let admin: Redis;
const namespaces: string[] = [];
const running: Worker[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  admin = createRedisClient(REDIS_URL);
  admin.on('error', () => {});
  await whenReady(admin);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((worker) => worker.stop()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const ns of namespaces.splice(0)) {
    for await (const keys of admin.scanStream({ match: `${ns}:*`, count: 500 })) {
      if ((keys as string[]).length > 0) await admin.unlink(keys as string[]);
    }
  }
});

afterAll(async () => {
  await closeRedisClient(admin);
});

/** Config for `count` workers sharing one fresh namespace on `redisUrl`. */
function fleet(count: number, redisUrl: string, extra: Partial<WorkerConfig> = {}): WorkerConfig[] {
  const ns = `cache-test:${randomUUID()}`;
  namespaces.push(ns);
  return Array.from({ length: count }, (_, i) => ({
    name: String.fromCharCode(97 + i),
    redisUrl,
    prefix: `${ns}:cache:`,
    ...extra,
  }));
}

async function start(configs: WorkerConfig[]): Promise<Worker[]> {
  const workers = await Promise.all(configs.map((config) => startWorker(config)));
  running.push(...workers);
  return workers;
}

type Got = { value: unknown; tier?: string };
type Watched = { at: number; value: unknown; polls: number; timedOut?: boolean };

describe('several processes on one Redis', () => {
  it('an invalidation in one process stops the other two serving the old value', async () => {
    const [a, b, c] = await start(fleet(3, REDIS_URL));
    const readers = [b!, c!];
    const delays: Record<string, string[]> = {};

    /** Runs `mutate` on A while B and C read `key` in a loop; returns what they saw first. */
    async function measure(label: string, key: string, old: unknown, mutate: () => Promise<{ at: number }>) {
      for (const reader of readers) {
        // Read until it is an L1 hit: the old value then lives in each process's memory. (On a
        // loaded machine a first read can miss its Redis deadline and leave nothing in L1.)
        await expect
          .poll(() => reader.request<Got>({ cmd: 'get', key }), { timeout: 10_000 })
          .toEqual({ value: old, tier: 'memory' });
      }
      const watches = readers.map((reader) => reader.request<Watched>({ cmd: 'watch', key, old, timeout: 5_000 }));
      // Both readers are looping on the old value before the write.
      for (const reader of readers) {
        await expect
          .poll(async () => (await reader.request<{ polls: number }>({ cmd: 'watchPolls', key })).polls)
          .toBeGreaterThan(0);
      }
      const { at } = await mutate();
      const seen = await Promise.all(watches);
      delays[label] = seen.map((s, i) => `${readers[i]!.name}=${(s.at - at).toFixed(2)}ms`);
      for (const s of seen) expect(s.timedOut).toBeUndefined();
      return seen.map((s) => s.value);
    }

    await a!.request({ cmd: 'set', key: 'team_12', value: { name: 'v1' } });
    const afterSet = await measure('set', 'team_12', { name: 'v1' }, async () => {
      const result = await a!.request<{ at: number }>({ cmd: 'set', key: 'team_12', value: { name: 'v2' } });
      // The writer itself never serves the old value, not even once.
      expect((await a!.request<Got>({ cmd: 'get', key: 'team_12' })).value).toEqual({ name: 'v2' });
      return result;
    });
    expect(afterSet).toEqual([{ name: 'v2' }, { name: 'v2' }]);

    const afterDelete = await measure('delete', 'team_12', { name: 'v2' }, () =>
      a!.request({ cmd: 'delete', key: 'team_12' }),
    );
    expect(afterDelete).toEqual([undefined, undefined]);

    await a!.request({ cmd: 'set', key: 'team_12_metrics', value: [1, 2, 3], tags: ['team:12'] });
    const afterTags = await measure('tag', 'team_12_metrics', [1, 2, 3], () =>
      a!.request({ cmd: 'invalidateTags', tags: ['team:12'] }),
    );
    expect(afterTags).toEqual([undefined, undefined]);

    console.log(
      `[distributed] invalidation delay after the writer's call resolved (negative: seen before it returned): ${Object.entries(
        delays,
      )
        .map(([label, values]) => `${label}: ${values.join(' ')}`)
        .join('; ')}`,
    );
  }, 120_000);

  it('a Redis restart leaves no stale L1 entry in any process', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const [a, b, c] = await start(fleet(3, server.url, { breakerCooldown: 200, maxReconnectDelay: 100 }));

    await a!.request({ cmd: 'set', key: 'team_1', value: 'v1' });
    for (const worker of [b!, c!]) {
      // Read until it is an L1 hit (on a loaded machine a first read can miss its Redis deadline).
      await expect
        .poll(() => worker.request<Got>({ cmd: 'get', key: 'team_1' }), { timeout: 10_000 })
        .toEqual({ value: 'v1', tier: 'memory' });
    }

    await server.kill();
    const killedAt = Date.now();
    // Written while the bus is down: B and C cannot hear of it, and Redis cannot keep it.
    await a!.request({ cmd: 'set', key: 'team_1', value: 'v2' });
    expect((await a!.request<Got>({ cmd: 'get', key: 'team_1' })).value).toBe('v2');
    const workers = [a!, b!, c!];
    // Every process has seen its subscription drop before Redis comes back.
    for (const worker of workers) {
      await expect
        .poll(async () => (await worker.request<{ bus: { subscribed: boolean } }>({ cmd: 'stats' })).bus.subscribed, {
          timeout: 10_000,
        })
        .toBe(false);
    }
    await server.restart();
    const restartedAt = Date.now();

    // Each process's subscriber reconnects and reports a gap; the cache then drops its L1.
    for (const worker of workers) {
      await expect
        .poll(async () => (await worker.request<{ gaps: number }>({ cmd: 'stats' })).gaps, {
          timeout: 15_000,
          message: `${worker.name} reports a bus gap after the restart`,
        })
        .toBeGreaterThanOrEqual(1);
    }
    const recoveredMs = Date.now() - restartedAt;
    for (const worker of workers) {
      const got = await worker.request<Got>({ cmd: 'get', key: 'team_1' });
      expect(got.value, `${worker.name} serves the pre-restart value`).not.toBe('v1');
    }
    console.log(
      `[distributed] redis down ${restartedAt - killedAt} ms; every process reported its gap ${recoveredMs} ms after the restart`,
    );
  }, 120_000);

  it('while its Redis is frozen (SIGSTOP) no getOrSet hangs; the breaker opens, then closes after SIGCONT', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const tierDeadline = 50;
    const factoryMs = 5;
    const [w] = await start(
      fleet(1, server.url, { tierDeadline, breakerFailures: 3, breakerCooldown: 300, maxReconnectDelay: 100 }),
    );

    type Progress = {
      done: number;
      breakerEvents: { state: string }[];
      redis: { timeouts: number; skipped: number };
    };
    const progress = () => w!.request<Progress>({ cmd: 'streamProgress' });
    await w!.request({ cmd: 'streamStart', factoryMs, intervalMs: 10 });
    // Calls complete against a healthy Redis before the freeze.
    await expect.poll(async () => (await progress()).done, { timeout: 10_000 }).toBeGreaterThanOrEqual(10);
    server.pause();
    try {
      // Frozen until calls have timed out, the breaker has opened, and calls were skipped by it.
      await expect
        .poll(
          async () => {
            const { breakerEvents, redis } = await progress();
            return breakerEvents.some((e) => e.state === 'open') && redis.timeouts > 0 && redis.skipped >= 10;
          },
          { timeout: 15_000 },
        )
        .toBe(true);
    } finally {
      server.resume();
    }
    // Wait for the breaker to close again: a probe after the cooldown finds Redis answering.
    await expect
      .poll(async () => (await progress()).breakerEvents.at(-1)?.state, { timeout: 10_000, interval: 50 })
      .toBe('closed');
    const result = await w!.request<{
      started: number;
      resolved: number;
      hung: number;
      maxMs: number;
      outcomes: Record<string, number>;
      breakerEvents: { state: string }[];
      redis: { timeouts: number; skipped: number };
    }>({ cmd: 'streamStop', settleMs: 2_000 });

    expect(result.hung).toBe(0);
    expect(result.resolved).toBe(result.started);
    expect(result.outcomes).toEqual({ ok: result.started }); // tier failures never reach the caller
    // A read and a write cut at the tier deadline, the factory, and the bus's publish timeout
    // (100 ms by default); the rest is slack for a loaded machine. Unbounded, a call waits out the freeze.
    expect(result.maxMs).toBeLessThan(2 * tierDeadline + factoryMs + 100 + 1_000);
    const states = result.breakerEvents.map((e) => e.state);
    expect(states[0]).toBe('open');
    expect(states.at(-1)).toBe('closed');
    expect(result.redis.timeouts).toBeGreaterThan(0);
    expect(result.redis.skipped).toBeGreaterThan(0);
    console.log(
      `[distributed] SIGSTOP: ${result.started} getOrSet calls, slowest ${result.maxMs.toFixed(1)} ms ` +
        `(tier deadline ${tierDeadline} ms ×2, factory ${factoryMs} ms, bus publish timeout 100 ms), ` +
        `${result.redis.timeouts} tier timeouts, ` +
        `${result.redis.skipped} calls skipped by the open breaker; breaker: ${states.join(' → ')}`,
    );
  }, 120_000);

  it('4 processes × 250 concurrent getOrSet on one cold key run the factory once (lock on)', async () => {
    const configs = fleet(4, REDIS_URL, { lock: true, tierDeadline: 1_000 });
    const workers = await start(configs);
    const counterKey = `${configs[0]!.prefix}factory-calls`;
    const results = await Promise.all(
      workers.map((worker) =>
        worker.request<{
          values: string[];
          getOrSet: { factoryCalls: number; lockWaits: number; lockTakeovers: number };
        }>({ cmd: 'burst', key: 'team_7_metrics', count: 250, factoryMs: 200, counterKey }),
      ),
    );
    expect(await admin.get(counterKey)).toBe('1');
    const values = new Set(results.flatMap((r) => r.values));
    expect(values.size).toBe(1);
    const total = (field: 'factoryCalls' | 'lockWaits' | 'lockTakeovers') =>
      results.reduce((sum, r) => sum + r.getOrSet[field], 0);
    expect(total('factoryCalls')).toBe(1);
    expect(total('lockTakeovers')).toBe(0);
    console.log(
      `[distributed] lock: 1000 getOrSet calls in 4 processes → ${total('factoryCalls')} factory call ` +
        `(${[...values][0]}), ${total('lockWaits')} processes waited for the lock`,
    );
  }, 120_000);
});
