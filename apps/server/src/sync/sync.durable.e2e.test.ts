/**
 * A requested sync survives Redis losing its queue (Redis + BullMQ; the worker in a second
 * instance that comes and goes): the request was recorded in PostgreSQL before it was queued, so
 * its job id keeps answering, the reaper queues it again under the same id, and a forced full
 * resync comes back full.
 */
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncRuns } from '../db/schema.ts';
import { untilAsync } from '../testing/api-helpers.ts';
import { dropRedisPrefix, startTestServer, type TestServer } from '../testing/harness.ts';
import { connect, sync, waitForJob } from '../testing/sync-helpers.ts';

const AS_OF = '2024-01-20T00:00:00Z';
const HEARTBEAT_MS = '200';

describe('a requested sync when Redis loses the queue', () => {
  let sim: Simulator;
  let api: TestServer;
  const workers: TestServer[] = [];

  /** A second instance that runs the sync workers (the API instance runs none). */
  const startWorker = async () => {
    const worker = await startTestServer('redis', {
      join: api,
      env: { RUN_WORKER: 'true', METRICS_NOW: AS_OF, SYNC_HEARTBEAT_MS: HEARTBEAT_MS },
    });
    workers.push(worker);
    return worker;
  };
  const runsOf = (integrationId: number) =>
    api.server.deps.db
      .select({ status: syncRuns.status, jobId: syncRuns.jobId, full: syncRuns.fullResync, stats: syncRuns.stats })
      .from(syncRuns)
      .where(eq(syncRuns.integrationId, integrationId))
      .orderBy(desc(syncRuns.id));

  beforeAll(async () => {
    sim = await createSimulator({ dataset: 'fixed' });
    api = await startTestServer('redis', {
      env: { RUN_WORKER: 'false', METRICS_NOW: AS_OF, SYNC_HEARTBEAT_MS: HEARTBEAT_MS },
      reaper: true,
    });
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await api?.close();
    await sim?.close();
  });

  it('answers its job id, queues it again with its options, and runs it', async () => {
    const ids = await connect(api, sim);
    // A first sync, so the next one would be incremental unless asked otherwise.
    const first = await startWorker();
    expect((await sync(api, ids.github)).state).toBe('completed');
    await first.close();
    workers.length = 0;

    const started = await api.request({ method: 'POST', url: `/api/integrations/${ids.github}/sync?full=true` });
    expect(started.statusCode).toBe(202);
    const jobId = started.json().jobId as string;
    expect((await runsOf(ids.github))[0]).toMatchObject({ status: 'queued', jobId, full: true });

    // Redis comes back empty: every job of the queue is gone.
    await dropRedisPrefix(`${api.prefix}bull`);
    const lost = await api.request({ method: 'GET', url: `/api/jobs/${jobId}` });
    expect(lost.statusCode, lost.body).toBe(200);
    expect(lost.json().job).toMatchObject({ state: 'waiting', data: { integrationId: ids.github } });

    // The reaper queues it again under the same id; a worker runs it, as a full resync.
    await startWorker();
    const done = await waitForJob(api, jobId, 60_000);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    const [run] = await runsOf(ids.github);
    expect(run).toMatchObject({ status: 'succeeded', jobId, full: true });
    expect(run!.stats).toMatchObject({ full: true });
    expect((run!.stats as { items: number }).items).toBeGreaterThan(0);
  }, 120_000);

  it('completes a sync that was running when Redis lost the queue, under the id handed out', async () => {
    if (workers.length === 0) await startWorker();
    const ids = await connect(api, sim, 'in flight');
    // Slow upstream: Redis loses everything while the worker fetches.
    sim.setLatency(1_000);
    const started = await api.request({ method: 'POST', url: `/api/integrations/${ids.jira}/sync` });
    const jobId = started.json().jobId as string;
    await untilAsync(async () => (await runsOf(ids.jira))[0]?.status === 'running', 30_000, 'the run to start');
    await dropRedisPrefix(`${api.prefix}bull`);
    sim.setLatency(0);
    const done = await waitForJob(api, jobId, 60_000);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    const runs = await runsOf(ids.jira);
    expect(runs[0]).toMatchObject({ status: 'succeeded', jobId });
  }, 120_000);
});
