/**
 * GitHub over GraphQL on a mid-size project (300 pull requests, 80 deployments, incidents): the
 * budget of a first sync, one request when nothing changed, a backfill killed halfway that resumes
 * from its cursor, a dashboard read during a full resync that gets the previous complete numbers,
 * 502s on a tenth of the queries with nothing missing, and the REST fallback storing the same work
 * items and metrics.
 */
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricSnapshots, syncBackfills, workItems } from '../db/schema.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { connect } from '../testing/sync-helpers.ts';
import { SyncService } from './service.ts';

const AS_OF = Date.parse('2024-05-15T00:00:00Z');
const SIZE = {
  repos: 1,
  pullRequestsPerRepo: 300,
  issuesPerRepo: 20,
  deploymentsPerRepo: 80,
  projects: 1,
  sprintsPerBoard: 2,
  issuesPerSprint: 5,
  days: 120,
  incidentRate: 0.1,
};

describe('GitHub over GraphQL (mid-size project)', () => {
  let sim: Simulator;
  let t: TestServer;
  let service: SyncService;

  beforeAll(async () => {
    sim = await createSimulator({ size: SIZE, now: () => AS_OF });
    t = await startTestServer('embedded', { sync: { now: () => AS_OF } });
    service = new SyncService(t.server.deps, { now: () => AS_OF, client: { baseDelayMs: 1, maxDelayMs: 5 } });
  }, 60_000);
  afterAll(async () => {
    service?.runs.close();
    await t?.close();
    await sim?.close();
  });

  const db = () => t.server.deps.db;
  const items = async (integrationId: number) =>
    (
      await db()
        .select()
        .from(workItems)
        .where(eq(workItems.integrationId, integrationId))
        .orderBy(asc(workItems.kind), asc(workItems.externalId))
    ).map(({ id: _id, integrationId: _i, seenIn: _s, ...rest }) => rest);
  const snapshot = async (integrationId: number) =>
    (
      await db()
        .select({ windowDays: metricSnapshots.windowDays, metrics: metricSnapshots.metrics })
        .from(metricSnapshots)
        .where(eq(metricSnapshots.integrationId, integrationId))
        .orderBy(asc(metricSnapshots.windowDays))
    ).map((s) => s);
  const syncOnce = async (
    integrationId: number,
    progress: (step: string, done: number) => void = () => {},
    full = false,
  ) => {
    const fetched = await service.fetchAndStore(integrationId, `test-${Math.random()}`, progress, { full });
    await service.computeAndPublish(fetched);
    return fetched;
  };
  const pullIds = async (integrationId: number) =>
    (
      await db()
        .select({ id: workItems.externalId })
        .from(workItems)
        .where(and(eq(workItems.integrationId, integrationId), eq(workItems.kind, 'pull_request')))
    )
      .map((r) => Number(r.id))
      .sort((a, b) => a - b);
  const expectedPulls = () => sim.dataset.data.github.repos[0]!.pullRequests.map((p) => p.number).sort((a, b) => a - b);

  let graphql: number;

  it('syncs a first time for a few points in a few requests, and once when nothing changed', async () => {
    graphql = (await connect(t, sim, 'graphql')).github;
    sim.reset();
    const first = await syncOnce(graphql);
    const counts = sim.counts();
    expect(Object.keys(counts.byRoute)).toEqual(['POST /graphql']);
    // 300 pull requests: 3 pages of 3 points; deployments and incidents a point a page.
    expect(first.stats.points).toBeLessThanOrEqual(15);
    expect(counts.total).toBeLessThanOrEqual(8);
    expect(await pullIds(graphql)).toEqual(expectedPulls());

    sim.reset();
    const again = await syncOnce(graphql);
    expect(sim.counts().total).toBe(1);
    expect(again.changed).toBe(false);
  });

  it('picks up a change with the same one request', async () => {
    const opened = (await sim.apply({ type: 'open', owner: 'acme', repo: 'web' })).record as { number: number };
    await sim.apply({ type: 'merge', owner: 'acme', repo: 'web', number: opened.number });
    await sim.apply({ type: 'deploy', owner: 'acme', repo: 'web' });
    sim.reset();
    const fetched = await syncOnce(graphql);
    expect(sim.counts().total).toBe(1);
    expect(fetched.items).toBe(2); // the merged pull request and the deployment
    expect(await pullIds(graphql)).toEqual(expectedPulls());
  });

  it('resumes a backfill killed halfway from its cursor, with no item missing or twice', async () => {
    const resumed = (await connect(t, sim, 'resumed')).github;
    sim.reset();
    const crash = new Error('killed');
    await expect(
      syncOnce(resumed, (step, done) => {
        if (step === 'pull requests' && done >= 200) throw crash;
      }),
    ).rejects.toBe(crash);
    const [stored] = await db().select().from(syncBackfills).where(eq(syncBackfills.integrationId, resumed));
    expect(stored).toBeDefined();
    expect(sim.counts().total).toBe(2);
    expect((await pullIds(resumed)).length).toBe(200);

    sim.reset();
    await syncOnce(resumed);
    // The second attempt read only what the first had not: the other pull request pages, then one
    // page of deployments and one of incidents.
    expect(sim.counts().total).toBe(Math.ceil(expectedPulls().length / 100) - 2 + 2);
    expect(await pullIds(resumed)).toEqual(expectedPulls());
    expect(await db().select().from(syncBackfills).where(eq(syncBackfills.integrationId, resumed))).toEqual([]);
    expect(await items(resumed)).toEqual(await items(graphql));
  });

  it('serves the previous complete numbers while a full resync runs', async () => {
    const before = await t.request({ method: 'GET', url: `/api/integrations/${graphql}/metrics` });
    expect(before.statusCode).toBe(200);
    let during: unknown;
    let reads = 0;
    await syncOnce(
      graphql,
      (step, done) => {
        // Half-way through the pull requests, hold the next query while a dashboard reads.
        if (step === 'pull requests' && done === 100 && reads++ === 0) {
          sim.setFaults([{ path: '/graphql', times: 1, fault: { type: 'timeout', ms: 5_000, after: 'respond' } }]);
          void t
            .request({
              method: 'GET',
              url: `/api/integrations/${graphql}/metrics`,
              headers: { 'cache-control': 'no-cache' },
            })
            .then((response) => {
              during = response.json();
              sim.reset({ rateLimits: false });
            });
        }
      },
      true,
    );
    expect(reads).toBe(1);
    expect(during).toEqual(before.json());
  });

  it('loses no pull request when a tenth of the queries answer 502, and halves the page size', async () => {
    const flaky = (await connect(t, sim, 'flaky')).github;
    sim.reset();
    // The first two queries fail for sure (the page halves twice), then a tenth of them at random.
    sim.setFaults([
      { path: '/graphql', times: 2, fault: { type: 'status', status: 502 } },
      { path: '/graphql', probability: 0.1, fault: { type: 'status', status: 502 } },
    ]);
    const fetched = await syncOnce(flaky);
    expect(sim.counts().byStatus['502']).toBeGreaterThanOrEqual(2);
    expect(fetched.stats.pageShrinks).toBeGreaterThanOrEqual(2);
    expect(await pullIds(flaky)).toEqual(expectedPulls());
    expect(await items(flaky)).toEqual(await items(graphql));
  });

  it('stores the same work items and metrics over the REST fallback', async () => {
    const rest = (await connect(t, sim, 'rest', { api: 'rest' })).github;
    await syncOnce(rest, () => {}, true);
    await syncOnce(graphql, () => {}, true);
    expect(await items(rest)).toEqual(await items(graphql));
    expect(await snapshot(rest)).toEqual(await snapshot(graphql));
  }, 60_000); // REST reads each pull request's reviews, size and first commit: about 900 requests
});
