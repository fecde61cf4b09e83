/**
 * End to end with Redis and a separate worker process (`npm run worker`'s entry point): the API
 * enqueues on BullMQ, the worker syncs from the simulator and computes the metrics, the API serves
 * them. Also checks the one-hour retention of job results in BullMQ and of metrics in Redis.
 */
import type { ChildProcess } from 'node:child_process';
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_QUEUE, SYNC_QUEUE } from '../jobs/bullmq-queue.ts';
import { startTestServer, TEST_REDIS_URL, type TestServer } from '../testing/harness.ts';
import { connect, EXPECTED, exited, startWorker, sync } from '../testing/sync-helpers.ts';

const AS_OF = '2024-01-20T00:00:00Z';

describe('sync end to end (Redis, BullMQ, separate worker process)', () => {
  let sim: Simulator;
  let t: TestServer;
  let worker: ChildProcess;
  let redis: Redis;
  const output: string[] = [];

  beforeAll(async () => {
    sim = await createSimulator({ dataset: 'fixed' });
    t = await startTestServer('redis', { env: { RUN_WORKER: 'false', METRICS_NOW: AS_OF } });
    worker = startWorker(t, { METRICS_NOW: AS_OF }, output);
    redis = new Redis(TEST_REDIS_URL);
  }, 60_000);

  afterAll(async () => {
    worker?.kill('SIGTERM');
    if (worker) await exited(worker);
    await redis?.quit();
    await t?.close();
    await sim?.close();
  });

  it('syncs in the worker process and serves the hand-checked metrics through the API', async () => {
    const ids = await connect(t, sim, undefined, { api: 'rest' });
    const githubJob = await sync(t, ids.github);
    const jiraJob = await sync(t, ids.jira);
    expect([githubJob.state, jiraJob.state], output.join('')).toEqual(['completed', 'completed']);
    const github = await t.request({ method: 'GET', url: `/api/integrations/${ids.github}/metrics`, as: 'alice' });
    expect(github.json().metrics.metrics).toEqual(EXPECTED.github);
    const jira = await t.request({ method: 'GET', url: `/api/integrations/${ids.jira}/metrics`, as: 'alice' });
    expect(jira.json().metrics.metrics).toEqual(EXPECTED.jira);

    // The worker warmed the team's metrics in Redis; this API instance reads them from L2.
    const team = await t.request({ method: 'GET', url: `/api/teams/${t.ids.teamA}/metrics`, as: 'alice' });
    expect(team.headers['x-cache']).toBe('HIT');
    expect(team.json().metrics.rollup).toMatchObject({ prThroughputPerWeek: 0.5, issueThroughputPerWeek: 0.75 });

    // A second sync with no upstream change: only 304s.
    sim.reset();
    const again = await sync(t, ids.github);
    expect(again.state, JSON.stringify(again)).toBe('completed');
    expect(again.result).toMatchObject({ changed: false, computed: false });
    expect(sim.counts().byStatus).toEqual({ '304': sim.counts().total });

    // Retention: BullMQ removes both jobs of the flow one hour after they finish…
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const prefix = `${t.prefix}bull`;
    const metricsQueue = new Queue(METRICS_QUEUE, { connection, prefix });
    const syncQueue = new Queue(SYNC_QUEUE, { connection, prefix });
    try {
      const parent = await metricsQueue.getJob(String(githubJob.id));
      const child = await syncQueue.getJob(`${githubJob.id}-fetch`);
      expect(parent?.opts.removeOnComplete).toEqual({ age: 3600 });
      expect(child?.opts.removeOnComplete).toEqual({ age: 3600 });
      expect(child?.opts.removeOnFail).toEqual({ age: 3600 });
    } finally {
      await metricsQueue.close();
      await syncQueue.close();
      await connection.quit();
    }
    // …and the computed metrics live one hour in Redis, with no grace beyond it.
    const keys = await redis.keys(`${t.prefix}*metrics_${ids.github}`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(3_600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });
});
