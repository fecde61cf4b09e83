/**
 * Incremental syncs against a mid-size generated project (300 pull requests with reviews,
 * production and staging deployments, incidents; 480 Jira issues, some with changelogs longer
 * than a page): request counts of a first sync, of a sync with nothing changed and of one after
 * 20 changes per integration; deletions; and stored metrics equal to a full resync's.
 * (The 10,000-PR / 30,000-issue numbers are measured by `npm run bench:sync`.)
 */
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { and, asc, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricDaily, metricSnapshots, workItems } from '../db/schema.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { connect, sync } from '../testing/sync-helpers.ts';

const AS_OF = Date.parse('2024-05-15T00:00:00Z');
// The sync's clock: moved a day on when a test needs the daily checks (Jira deletions, closed sprints).
let syncNow = AS_OF;
const SIZE = {
  repos: 1,
  pullRequestsPerRepo: 300,
  issuesPerRepo: 20,
  deploymentsPerRepo: 80,
  projects: 1,
  sprintsPerBoard: 8,
  issuesPerSprint: 60,
  days: 120,
  incidentRate: 0.1,
  longChangelogRate: 0.02,
};

describe('incremental sync (mid-size project)', () => {
  let sim: Simulator;
  let t: TestServer;

  beforeAll(async () => {
    sim = await createSimulator({ size: SIZE, now: () => AS_OF });
    t = await startTestServer('embedded', { sync: { now: () => syncNow } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  async function counted(integrationId: number): Promise<{ total: number; byRoute: Record<string, number> }> {
    sim.reset();
    const job = await sync(t, integrationId);
    expect(job.state).toBe('completed');
    const counts = sim.counts();
    expect(counts.byStatus['403'] ?? 0).toBe(0);
    expect(counts.byStatus['429'] ?? 0).toBe(0);
    return counts;
  }

  const db = () => t.server.deps.db;
  const stored = async (integrationId: number) =>
    (
      await db()
        .select({ kind: workItems.kind, externalId: workItems.externalId, state: workItems.state })
        .from(workItems)
        .where(eq(workItems.integrationId, integrationId))
    ).map((r) => `${r.kind}:${r.externalId}:${r.state}`);

  let incremental: { github: number; jira: number };

  it('reads every page on the first sync, within the rate limits', async () => {
    incremental = await connect(t, sim, 'incremental', { api: 'rest' });
    const github = await counted(incremental.github);
    const repo = sim.dataset.data.github.repos[0]!;
    // Every pull request's reviews; production deployments' statuses; never staging's.
    expect(github.byRoute['GET /repos/:owner/:repo/pulls/:number/reviews']).toBe(repo.pullRequests.length);
    // REST lacks a pull request's size and first commit in the listing: two more requests each.
    expect(github.byRoute['GET /repos/:owner/:repo/pulls/:number/commits']).toBe(repo.pullRequests.length);
    const production = repo.deployments.filter((d) => d.environment === 'production').length;
    expect(github.byRoute['GET /repos/:owner/:repo/deployments/:id/statuses']).toBe(production);
    expect(github.byRoute['GET /repos/:owner/:repo/pulls']).toBe(Math.ceil(repo.pullRequests.length / 100));

    const jira = await counted(incremental.jira);
    const issues = sim.dataset.data.jira.issues;
    // Changelogs longer than the 40 the search inlines are read page by page (100 a page).
    const long = issues.filter((i) => i.changelog.length > 40);
    expect(long.length).toBeGreaterThan(0);
    const changelogPages = long.reduce((n, i) => n + Math.ceil(i.changelog.length / 100), 0);
    expect(jira.byRoute['GET /rest/api/3/issue/:issueIdOrKey/changelog']).toBe(changelogPages);
    expect(jira.byRoute['GET /rest/api/3/search/jql']).toBe(Math.ceil(issues.length / 100));

    const rows = await stored(incremental.jira);
    expect(rows.filter((r) => r.startsWith('issue:'))).toHaveLength(issues.length);
  });

  it('makes at most 5 requests per integration when nothing changed', async () => {
    const github = await counted(incremental.github);
    const jira = await counted(incremental.jira);
    expect(github.total).toBeLessThanOrEqual(5);
    expect(jira.total).toBeLessThanOrEqual(5);
    // GitHub (REST): three 304s; Jira: the search and one page of open sprints (deletions and closed
    // sprints are checked once a day).
    expect({ github: github.total, jira: jira.total }).toEqual({ github: 3, jira: 2 });
  });

  it('makes at most 70 GitHub (REST) and 30 Jira requests after 20 changes each, and stores them', async () => {
    const repo = sim.dataset.data.github.repos[0]!;
    for (let i = 0; i < 10; i++) {
      sim.dataset.addPullRequest('acme', 'web', {
        created_at: `2024-05-10T0${i}:00:00Z`,
        merged_at: `2024-05-10T1${i}:00:00Z`,
        reviews: [{ user: 'bob', state: 'APPROVED', submitted_at: `2024-05-10T0${i}:30:00Z` }],
      });
    }
    const open = repo.pullRequests.filter((p) => p.state === 'open').slice(0, 10);
    expect(open).toHaveLength(10);
    sim.dataset.mutate(() => {
      for (const [i, pr] of open.entries()) {
        pr.updated_at = `2024-05-11T0${i}:00:00Z`;
        repo.reviews[String(pr.number)]!.push({
          id: 900_000 + i,
          user: { login: 'carol', id: 1003, type: 'User' },
          state: 'COMMENTED',
          body: '',
          submitted_at: pr.updated_at,
          commit_id: pr.head.sha,
        });
      }
    });
    for (let i = 0; i < 10; i++) sim.dataset.addJiraIssue({ projectKey: 'AT', created: `2024-05-10T0${i}:00:00.000Z` });
    const todo = sim.dataset.data.jira.issues
      .filter((i) => i.status === 'To Do' && i.changelog.length === 0)
      .slice(0, 10);
    for (const [i, issue] of todo.entries()) {
      sim.dataset.transitionJiraIssue(issue.key, 'In Progress', `2024-05-11T0${i}:00:00.000Z`);
    }

    const github = await counted(incremental.github);
    const jira = await counted(incremental.jira);
    // REST: three requests per changed pull request (reviews, size, first commit) and a few listings.
    expect(github.total).toBeLessThanOrEqual(70);
    expect(jira.total).toBeLessThanOrEqual(30);
    expect(github.byRoute['GET /repos/:owner/:repo/pulls/:number/reviews']).toBe(20);

    const rows = await stored(incremental.github);
    for (const pr of open) expect(rows).toContain(`pull_request:${pr.number}:open`);
    expect(rows.filter((r) => r.startsWith('pull_request:'))).toHaveLength(repo.pullRequests.length);
    const jiraRows = await stored(incremental.jira);
    for (const issue of todo) expect(jiraRows).toContain(`issue:${issue.key}:in_progress`);
  });

  it('removes items deleted upstream', async () => {
    const repo = sim.dataset.data.github.repos[0]!;
    const newest = [...repo.deployments].sort((a, b) => b.created_at.localeCompare(a.created_at))[0]!;
    const gone = sim.dataset.data.jira.issues[5]!;
    sim.dataset.mutate((data) => {
      repo.deployments.splice(repo.deployments.indexOf(newest), 1);
      data.jira.issues.splice(data.jira.issues.indexOf(gone), 1);
    });
    // Jira deletions are looked for once a day: a day later, the gone issue is removed. (The clock
    // stays there: the next test compares with syncs made at the same time.)
    syncNow = AS_OF + 86_400_000;
    await counted(incremental.github);
    await counted(incremental.jira);
    expect(await stored(incremental.github)).not.toContain(
      expect.stringMatching(new RegExp(`^deployment:${newest.id}:`)),
    );
    expect((await stored(incremental.jira)).some((r) => r.startsWith(`issue:${gone.key}:`))).toBe(false);
  });

  it('stores the same items and metrics as a full resync', async () => {
    const fresh = await connect(t, sim, 'fresh', { api: 'rest' });
    await counted(fresh.github);
    await counted(fresh.jira);
    // A requested full resync of the incremental pair changes nothing either.
    for (const [a, b] of [
      [incremental.github, fresh.github],
      [incremental.jira, fresh.jira],
    ] as const) {
      expect((await stored(a)).sort()).toEqual((await stored(b)).sort());
      const daily = async (id: number) =>
        (
          await db()
            .select({ windowDays: metricDaily.windowDays, day: metricDaily.day, metrics: metricDaily.metrics })
            .from(metricDaily)
            .where(eq(metricDaily.integrationId, id))
            .orderBy(asc(metricDaily.windowDays), asc(metricDaily.day))
        ).map((r) => JSON.stringify(r));
      expect(await daily(a)).toEqual(await daily(b));
      const latest = async (id: number) =>
        (
          await db()
            .select({ windowDays: metricSnapshots.windowDays, metrics: metricSnapshots.metrics })
            .from(metricSnapshots)
            .where(and(eq(metricSnapshots.integrationId, id)))
            .orderBy(desc(metricSnapshots.id))
            .limit(4)
        ).map((r) => JSON.stringify(r));
      expect(await latest(a)).toEqual(await latest(b));
    }
  });
});
