/**
 * End to end, embedded mode: sync a GitHub-shaped and a Jira-shaped integration from the API
 * simulator's fixed data set and read the metrics through the API (expectations computed by hand
 * from the data set, see docs/METRICS.md); revalidation with 304s; backoff under 429/500; task
 * result retention with a fake clock.
 */
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricSnapshots, workItems } from '../db/schema.ts';
import { MemoryJobQueue } from '../jobs/memory-queue.ts';
import { untilAsync } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { AS_OF, connect, EXPECTED, sync, waitForJob } from '../testing/sync-helpers.ts';
import { createSyncProcessor } from './processor.ts';

describe('sync end to end (embedded)', () => {
  let sim: Simulator;
  let t: TestServer;
  let ids: { github: number; jira: number };
  let clock = Date.now();
  let queue: MemoryJobQueue;

  beforeAll(async () => {
    sim = await createSimulator({ dataset: 'fixed' });
    t = await startTestServer('embedded', {
      jobs: (deps) => {
        queue = new MemoryJobQueue({
          processor: createSyncProcessor(deps, { now: () => AS_OF, client: { baseDelayMs: 5, maxDelayMs: 2_000 } }),
          resultTtlMs: 3_600_000,
          now: () => clock,
          backoffMs: 10,
        });
        return queue;
      },
    });
    ids = await connect(t, sim, undefined, { api: 'rest' });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('computes the hand-checked metrics of both integrations and the team roll-up', async () => {
    const githubJob = await sync(t, ids.github);
    const jiraJob = await sync(t, ids.jira);
    expect([githubJob.state, jiraJob.state]).toEqual(['completed', 'completed']);

    const github = await t.request({ method: 'GET', url: `/api/integrations/${ids.github}/metrics`, as: 'alice' });
    expect(github.json().metrics.metrics).toEqual(EXPECTED.github);
    const jira = await t.request({ method: 'GET', url: `/api/integrations/${ids.jira}/metrics`, as: 'alice' });
    expect(jira.json().metrics.metrics).toEqual(EXPECTED.jira);

    const team = await t.request({ method: 'GET', url: `/api/teams/${t.ids.teamA}/metrics`, as: 'alice' });
    // The sync warmed the team's metrics: the first reader gets a hit.
    expect(team.headers['x-cache']).toBe('HIT');
    // Like with like: PR and issue throughput stay apart, lead times are labelled by source.
    const rollup = team.json().metrics.rollup;
    expect(rollup).toMatchObject({
      prThroughputPerWeek: 0.5,
      issueThroughputPerWeek: 0.75,
      sprintVelocity: 8,
      prWorkInProgress: 1,
      issueWorkInProgress: 1,
      prMergeTimeHours: 15,
      leadTimeHours: null,
      issueLeadTimeHours: 192,
      changeFailureRate: 0.5,
      deploymentsPerWeek: 0.25,
    });
    expect(rollup).not.toHaveProperty('throughputPerWeek');

    const lastSync = await t.request({ method: 'GET', url: `/api/integrations/${ids.github}/last-sync`, as: 'alice' });
    expect(lastSync.json().lastSync).toMatchObject({ status: 'succeeded', error: null });
  });

  it('serves one point per day from the cache, and the items behind a number linked to their source', async () => {
    const url = `/api/integrations/${ids.github}/metrics/history?from=2024-01-01&to=2024-01-20`;
    const first = await t.request({ method: 'GET', url, as: 'alice' });
    expect(first.statusCode).toBe(200);
    const history = first.json().history;
    expect(history.points.map((p: { day: string }) => p.day)).toEqual(
      Array.from({ length: 20 }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`),
    );
    // The data starts on 01-01: no 28-day window ending by 01-20 holds complete history.
    expect(
      history.points.every((p: { incomplete: boolean; metrics: unknown }) => p.incomplete && p.metrics === null),
    ).toBe(true);
    expect((await t.request({ method: 'GET', url, as: 'alice' })).headers['x-cache']).toBe('HIT');
    // Over 7 days, every day from 01-08 is complete, and the last day is the 7-day card.
    const week = (await t.request({ method: 'GET', url: `${url}&windowDays=7`, as: 'alice' })).json().history;
    expect(week.windowDays).toBe(7);
    expect(week.points.map((p: { incomplete: boolean }) => p.incomplete)).toEqual([
      ...Array.from({ length: 7 }, () => true),
      ...Array.from({ length: 13 }, () => false),
    ]);
    const card = await t.request({
      method: 'GET',
      url: `/api/integrations/${ids.github}/metrics?windowDays=7`,
      as: 'alice',
    });
    expect(week.points.at(-1).metrics).toEqual(card.json().metrics.metrics);
    const weekly = await t.request({
      method: 'GET',
      url: `/api/teams/${t.ids.teamA}/metrics/history?from=2024-01-01&to=2024-01-20&interval=week`,
      as: 'alice',
    });
    // Sundays 01-07 and 01-14, and the range's end.
    expect(weekly.json().history.points.map((p: { day: string }) => p.day)).toEqual([
      '2024-01-07',
      '2024-01-14',
      '2024-01-20',
    ]);
    const items = await t.request({
      method: 'GET',
      url: `/api/teams/${t.ids.teamA}/work-items?metric=changeFailureRate&from=2023-12-23&to=2024-01-20`,
      as: 'alice',
    });
    // Every production deployment of the span (the total), the failed one counting 1.
    expect(items.json()).toMatchObject({
      workItems: [
        { externalId: '102', state: 'failure', failure: 'failed', value: 1 },
        { externalId: '101', state: 'success', failure: null, value: 0 },
      ],
      statistic: 'ratio',
      value: 0.5,
      count: 2,
      sum: 1,
    });
    const merged = await t.request({
      method: 'GET',
      url: `/api/teams/${t.ids.teamA}/work-items?metric=prMergeTimeHours&from=2023-12-23&to=2024-01-20&limit=1`,
      as: 'alice',
    });
    expect(merged.json().workItems).toEqual([
      expect.objectContaining({ externalId: '2', hours: 26, url: 'https://github.com/acme/web/pull/2' }),
    ]);
    const next = await t.request({
      method: 'GET',
      url: `/api/teams/${t.ids.teamA}/work-items?metric=prMergeTimeHours&from=2023-12-23&to=2024-01-20&limit=1&cursor=${merged.json().nextCursor}`,
      as: 'alice',
    });
    expect(next.json()).toMatchObject({ workItems: [{ externalId: '1', hours: 4 }], nextCursor: null });
    for (const bad of ['metric=nope', 'metric=leadTimeHours&from=yesterday', 'metric=leadTimeHours&cursor=x']) {
      const refused = await t.request({
        method: 'GET',
        url: `/api/teams/${t.ids.teamA}/work-items?${bad}`,
        as: 'alice',
      });
      expect(refused.statusCode).toBe(400);
    }
    const forbidden = await t.request({
      method: 'GET',
      url: `/api/teams/${t.ids.teamA}/metrics/history`,
      as: 'bob',
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it('serves every computed window from the same cached entry', async () => {
    const week = await t.request({
      method: 'GET',
      url: `/api/integrations/${ids.jira}/metrics?windowDays=7`,
      as: 'alice',
    });
    expect(week.headers['x-cache']).toBe('HIT');
    // 2024-01-13 → 2024-01-20: only AT-3 was done (in progress 48 h, created 192 h before done).
    expect(week.json().metrics).toMatchObject({
      windowDays: 7,
      metrics: { issueThroughputPerWeek: 1, cycleTimeHours: 48, issueLeadTimeHours: 192 },
    });
    const team = await t.request({ method: 'GET', url: `/api/teams/${t.ids.teamA}/metrics?windowDays=7`, as: 'alice' });
    expect(team.json().metrics).toMatchObject({ windowDays: 7, rollup: { issueThroughputPerWeek: 1 } });
    for (const bad of ['0', '5', 'x']) {
      const refused = await t.request({
        method: 'GET',
        url: `/api/teams/${t.ids.teamA}/metrics?windowDays=${bad}`,
        as: 'alice',
      });
      expect(refused.statusCode).toBe(400);
    }
  });

  it('answers a second sync with no upstream change entirely with 304s and recomputes nothing', async () => {
    sim.reset();
    const job = await sync(t, ids.github);
    const counts = sim.counts();
    expect(counts.total).toBeGreaterThan(0);
    expect(counts.byStatus).toEqual({ '304': counts.total });
    expect(job.result).toMatchObject({ changed: false, computed: false });
  });

  it('recomputes nothing when a source without ETags (Jira search) returns the same items', async () => {
    sim.reset();
    const job = await sync(t, ids.jira);
    expect(sim.counts().byStatus['200']).toBeGreaterThan(0); // Jira answered in full…
    expect(job.result).toMatchObject({ changed: false, computed: false }); // …with nothing new
  });

  it('stores the items again when revalidation says nothing changed but the database lost them', async () => {
    const { db } = t.server.deps;
    await db.delete(workItems).where(eq(workItems.integrationId, ids.github));
    await db.delete(metricSnapshots).where(eq(metricSnapshots.integrationId, ids.github));
    sim.reset();
    const job = await sync(t, ids.github);
    expect(sim.counts().byStatus).toEqual({ '304': sim.counts().total }); // upstream: unchanged
    expect(job.result).toMatchObject({ changed: true, computed: true });
    const github = await t.request({ method: 'GET', url: `/api/integrations/${ids.github}/metrics`, as: 'alice' });
    expect(github.json().metrics.metrics).toEqual(EXPECTED.github);
  });

  it('makes no external request for 100 dashboard reads within the hour', async () => {
    sim.reset();
    for (let i = 0; i < 100; i++) {
      const read = await t.request({ method: 'GET', url: `/api/teams/${t.ids.teamA}/metrics`, as: 'alice' });
      expect(read.statusCode).toBe(200);
      await t.request({ method: 'GET', url: `/api/integrations/${ids.jira}/metrics`, as: 'alice' });
    }
    expect(sim.counts().total).toBe(0);
  });

  it('finishes a sync through 429s and 500s without exceeding the limit, serving the last good values meanwhile', async () => {
    const before = (
      await t.request({ method: 'GET', url: `/api/integrations/${ids.github}/metrics`, as: 'alice' })
    ).json();
    sim.reset();
    // An upstream change, so the sync has something new to store.
    sim.dataset.addPullRequest('acme', 'web', {
      user: 'erin',
      title: 'Faster sync',
      created_at: '2024-01-15T08:00:00Z',
      merged_at: '2024-01-15T12:00:00Z',
    });
    sim.setFaults([
      { path: '/repos/:owner/:repo/pulls', times: 2, fault: { type: 'rate-limit', retryAfterSeconds: 0 } },
      { path: '/repos/:owner/:repo/pulls/:number/reviews', times: 2, fault: { type: 'status', status: 500 } },
      { path: '/repos/:owner/:repo/deployments', times: 1, fault: { type: 'status', status: 503 } },
    ]);
    sim.setLatency(40);
    const started = await t.request({ method: 'POST', url: `/api/integrations/${ids.github}/sync` });
    const jobId = started.json().jobId as string;
    // While it runs (it has reported progress), the metrics route serves the last good values, marked stale.
    await untilAsync(
      async () => {
        const job = (await t.request({ method: 'GET', url: `/api/jobs/${jobId}` })).json().job;
        return typeof job.progress === 'object' && job.state === 'active';
      },
      10_000,
      'the sync to report progress',
    );
    const during = await t.request({ method: 'GET', url: `/api/integrations/${ids.github}/metrics`, as: 'alice' });
    expect(during.statusCode).toBe(200);
    expect(during.headers['x-cache']).toBe('STALE');
    expect(during.json().metrics.metrics).toEqual(before.metrics.metrics);
    const job = await waitForJob(t, jobId);
    sim.setLatency(0);
    expect(job.state).toBe('completed');
    const counts = sim.counts();
    expect(counts.byStatus['429']).toBe(2);
    expect(counts.byStatus['500']).toBe(2);
    expect(counts.byStatus['403'] ?? 0).toBe(0); // the primary limit was never exceeded
    const after = await t.request({ method: 'GET', url: `/api/integrations/${ids.github}/metrics`, as: 'alice' });
    expect(after.json().metrics.metrics.prThroughputPerWeek).toBe(0.75); // three merged PRs now
  });

  it('fails a sync with bad credentials at once, without retrying', async () => {
    const bad = await t.request({
      method: 'POST',
      url: `/api/teams/${t.ids.teamA}/integrations`,
      payload: {
        kind: 'github',
        name: 'bad token',
        config: { owner: 'acme', repo: 'web', baseUrl: sim.url },
        credentials: { token: 'wrong' },
      },
    });
    sim.reset();
    const job = await sync(t, bad.json().integration.id);
    expect(job.state).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(String(job.failedReason)).toMatch(/rejected the credentials/);
    expect(sim.counts().byStatus['401']).toBe(1);
    const lastSync = await t.request({
      method: 'GET',
      url: `/api/integrations/${bad.json().integration.id}/last-sync`,
    });
    expect(lastSync.json().lastSync.status).toBe('failed');
  });

  it('keeps a task result readable for an hour and forgets it after (fake clock)', async () => {
    const started = await t.request({ method: 'POST', url: `/api/integrations/${ids.jira}/sync` });
    const jobId = started.json().jobId as string;
    await waitForJob(t, jobId);
    clock += 3_600_000 - 1;
    expect((await t.request({ method: 'GET', url: `/api/jobs/${jobId}` })).statusCode).toBe(200);
    clock += 1;
    expect((await t.request({ method: 'GET', url: `/api/jobs/${jobId}` })).statusCode).toBe(404);
    // The computed metrics carry the same one-hour lifetime in the shared tier, with no grace.
    const rows = await t.server.deps.database.sql.query(
      "SELECT expires_at FROM agiletrack_cache WHERE key LIKE '%metrics_' || $1",
      [String(ids.jira)],
    );
    const expiresAt = Number((rows.rows[0] as { expires_at: string }).expires_at);
    expect(expiresAt - Date.now()).toBeGreaterThan(3_600_000 - 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(3_600_000);
  });
});

describe('rate-limit pacing', () => {
  it('never sends a request past the advertised limit: it waits for the window to reset', async () => {
    const sim = await createSimulator({ dataset: 'fixed', github: { rateLimit: { limit: 3, windowMs: 1_000 } } });
    const t = await startTestServer('embedded', { sync: { now: () => AS_OF } });
    try {
      const ids = await connect(t, sim, undefined, { api: 'rest' });
      const job = await sync(t, ids.github);
      expect(job.state).toBe('completed');
      const counts = sim.counts();
      // pulls, 3 × (reviews, the pull request, its first commit), deployments, 2 × statuses, incidents: 14 > 3 per window
      expect(counts.total).toBe(14);
      expect(counts.byStatus['403'] ?? 0).toBe(0);
      expect(counts.byStatus['429'] ?? 0).toBe(0);
      expect((job.result as { stats: { rateLimitWaits: number } }).stats.rateLimitWaits).toBeGreaterThanOrEqual(2);
    } finally {
      await t.close();
      await sim.close();
    }
  });
});
