/**
 * A sync worker killed mid-sync (SIGKILL, Redis + BullMQ, separate worker process): its run ends
 * failed ("interrupted") once the heartbeat stops, the integration syncs again on the next worker,
 * and its metrics are cached again afterwards. The heartbeat is short here so this stays fast.
 */
import type { ChildProcess } from 'node:child_process';
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncRuns } from '../db/schema.ts';
import { untilAsync } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { connect, exited, startWorker as startWorkerIn } from '../testing/sync-helpers.ts';

const AS_OF = '2024-01-20T00:00:00Z';
const HEARTBEAT_MS = '200';

describe('a sync worker killed mid-sync', () => {
  let sim: Simulator;
  let t: TestServer;
  const workers: ChildProcess[] = [];
  const output: string[] = [];

  const startWorker = () => {
    const worker = startWorkerIn(t, { METRICS_NOW: AS_OF, SYNC_HEARTBEAT_MS: HEARTBEAT_MS }, output);
    workers.push(worker);
    return worker;
  };
  const runsOf = (integrationId: number) =>
    t.server.deps.db
      .select({ id: syncRuns.id, status: syncRuns.status, error: syncRuns.error, jobId: syncRuns.jobId })
      .from(syncRuns)
      .where(eq(syncRuns.integrationId, integrationId))
      .orderBy(desc(syncRuns.id));

  beforeAll(async () => {
    sim = await createSimulator({ dataset: 'fixed' });
    t = await startTestServer('redis', {
      env: { RUN_WORKER: 'false', METRICS_NOW: AS_OF, SYNC_HEARTBEAT_MS: HEARTBEAT_MS },
      reaper: true,
    });
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map(exited));
    await t?.close();
    await sim?.close();
  });

  it('ends the run failed "interrupted", syncs again on the next worker, and caches the metrics again', async () => {
    const ids = await connect(t, sim);
    const first = startWorker();
    // Slow upstream: the kill lands while the worker is fetching.
    sim.setLatency(400);
    const started = await t.request({ method: 'POST', url: `/api/integrations/${ids.github}/sync` });
    const jobId = started.json().jobId as string;
    await untilAsync(async () => (await runsOf(ids.github))[0]?.status === 'running', 120_000, 'the run to start');
    first.kill('SIGKILL');
    await exited(first);

    // The heartbeat stops; the API's reaper ends the run (3 beats + one check: about a second here).
    await untilAsync(
      async () => (await runsOf(ids.github)).some((run) => run.status === 'failed'),
      10_000,
      'the run to be marked interrupted',
    );
    const interrupted = (await runsOf(ids.github)).find((run) => run.status === 'failed');
    expect(interrupted).toMatchObject({ status: 'failed', error: 'interrupted', jobId });
    // The job the API handed out follows its run: failed at once, though BullMQ still holds it active.
    const job = await t.request({ method: 'GET', url: `/api/jobs/${jobId}` });
    expect(job.json().job).toMatchObject({ state: 'failed', failedReason: 'interrupted' });
    // Its sync is queued again (recorded first), and last-sync says so.
    await untilAsync(async () => (await runsOf(ids.github))[0]?.status === 'queued', 10_000, 'the sync queued again');
    const [again] = await runsOf(ids.github);
    const lastSync = await t.request({ method: 'GET', url: `/api/integrations/${ids.github}/last-sync`, as: 'alice' });
    expect(lastSync.json().lastSync).toMatchObject({ status: 'queued', jobId: again!.jobId });

    // It was queued again: the next worker syncs it.
    sim.setLatency(0);
    startWorker();
    await untilAsync(
      async () => (await runsOf(ids.github))[0]?.status === 'succeeded',
      120_000,
      `the sync to run again (${output.join('')})`,
    );
    const runs = await runsOf(ids.github);
    expect(runs.filter((run) => run.status === 'running')).toEqual([]);
    expect(runs.filter((run) => run.status === 'failed' && run.error === 'interrupted')).toHaveLength(1);

    // Nothing looks busy any more: the metrics are served from the cache again. The run is marked
    // succeeded just before the worker invalidates and warms the keys, so a read in between may
    // still be dropped by that invalidation: wait for a hit (milliseconds), never for a TTL.
    const hit = (url: string) => async () => {
      const response = await t.request({ method: 'GET', url, as: 'alice' });
      expect(response.statusCode).toBe(200);
      return response.headers['x-cache'] === 'HIT';
    };
    await untilAsync(hit(`/api/integrations/${ids.github}/metrics`), 10_000, 'the integration metrics to be cached');
    await untilAsync(hit(`/api/teams/${t.ids.teamA}/metrics`), 10_000, 'the team metrics to be cached');
  }, 300_000);
});
