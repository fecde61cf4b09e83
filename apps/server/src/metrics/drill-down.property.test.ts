/**
 * One rule for every number: a card is reproducible from its drill-down. For every team, window and
 * metric, on the demo data and on a generated mid-size project (two repositories and a Jira project
 * in one team, so its numbers are over the union of their items), the card's value equals its
 * statistic recomputed here, independently, from the values the drill-down lists (every page).
 */
import {
  createSimulator,
  DEFAULT_GITHUB_TOKEN,
  DEFAULT_JIRA_CREDENTIALS,
  type Simulator,
} from '@agiletrack/api-simulator';
import { METRIC_WINDOWS, METRICS, type MetricName, TeamMetricsSchema, WorkItemsBody } from '@agiletrack/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSources } from '../demo/simulator.ts';
import { expectError } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { sync } from '../testing/sync-helpers.ts';

const DAY = 86_400_000;

// The statistics as docs/METRICS.md states them, written apart from the server's code on purpose.
function percentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * q;
  const below = sorted[Math.floor(rank)]!;
  const above = sorted[Math.ceil(rank)]!;
  return below + (above - below) * (rank - Math.floor(rank));
}
const round = (value: number | null, digits: number) =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
function recompute(name: MetricName, values: number[], windowDays: number): number | null {
  const total = values.reduce((a, b) => a + b, 0);
  switch (METRICS[name].statistic) {
    case 'median':
      return round(percentile(values, 0.5), 2);
    case 'p85':
      return round(percentile(values, 0.85), 2);
    case 'ratePerWeek':
      return round(values.length / (windowDays / 7), 2);
    case 'ratio':
      return values.length === 0 ? null : round(total / values.length, 4);
    case 'count':
      return values.length;
    case 'sum':
      return values.length === 0 ? null : round(total, 2);
  }
}

describe('every card equals its statistic over its drill-down', () => {
  let demo: Simulator;
  let mid: Simulator;
  let t: TestServer;
  const teams: { name: string; id: number }[] = [];
  const now = Date.now();

  const post = async (url: string, payload: Record<string, unknown>) => {
    const response = await t.request({ method: 'POST', url, payload });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  const team = async (name: string) => {
    const { team: created } = await post('/api/teams', { name, description: '', memberIds: [] });
    teams.push({ name, id: created.id });
    return created.id as number;
  };
  const github = (teamId: number, sim: Simulator, owner: string, repo: string) =>
    post(`/api/teams/${teamId}/integrations`, {
      kind: 'github',
      name: `${owner}/${repo}`,
      config: { owner, repo, baseUrl: sim.url },
      credentials: { token: DEFAULT_GITHUB_TOKEN },
    });
  const jira = (teamId: number, sim: Simulator, projectKey: string, boardId: number) =>
    post(`/api/teams/${teamId}/integrations`, {
      kind: 'jira',
      name: projectKey,
      config: { baseUrl: sim.url, projectKey, boardId, email: DEFAULT_JIRA_CREDENTIALS.email },
      credentials: { apiToken: DEFAULT_JIRA_CREDENTIALS.apiToken },
    });

  beforeAll(async () => {
    // The demo's data (as `npm start` generates it) and a mid-size project, both ending now.
    demo = await createSimulator({
      seed: 7,
      size: { repos: 3, projects: 3, start: new Date(now - 84 * DAY).toISOString(), days: 84 },
    });
    mid = await createSimulator({
      seed: 21,
      size: {
        repos: 2,
        projects: 1,
        pullRequestsPerRepo: 500,
        issuesPerRepo: 60,
        deploymentsPerRepo: 150,
        sprintsPerBoard: 13,
        issuesPerSprint: 40,
        start: new Date(now - 182 * DAY).toISOString(),
        days: 182,
      },
    });
    t = await startTestServer('embedded');
    const ids: number[] = [];
    for (const [i, source] of demoSources(demo).entries()) {
      const teamId = await team(`demo ${i + 1}`);
      ids.push((await github(teamId, demo, source.github.owner, source.github.repo)).integration.id);
      ids.push((await jira(teamId, demo, source.jira.projectKey, source.jira.boardId)).integration.id);
    }
    const midTeam = await team('mid-size');
    for (const repo of mid.dataset.data.github.repos)
      ids.push((await github(midTeam, mid, repo.owner, repo.name)).integration.id);
    const project = mid.dataset.data.jira.projects[0]!;
    ids.push((await jira(midTeam, mid, project.key, project.boardId)).integration.id);
    for (const id of ids) expect((await sync(t, id, 120_000)).state).toBe('completed');
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    await demo?.close();
    await mid?.close();
  });

  const drillDown = async (teamId: number, metric: string, query: string) => {
    const values: number[] = [];
    const pages: ReturnType<typeof WorkItemsBody.parse>[] = [];
    let cursor: string | null = null;
    do {
      const url = `/api/teams/${teamId}/work-items?metric=${metric}&${query}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const response = await t.request({ method: 'GET', url });
      expect(response.statusCode, response.body).toBe(200);
      const page = WorkItemsBody.parse(response.json());
      pages.push(page);
      values.push(...page.workItems.map((item) => item.value));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return { values, pages };
  };

  it('holds for every metric, window and team (mismatches: 0)', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const { name, id } of teams) {
      for (const windowDays of METRIC_WINDOWS) {
        const response = await t.request({ method: 'GET', url: `/api/teams/${id}/metrics?windowDays=${windowDays}` });
        const card = TeamMetricsSchema.parse(response.json().metrics);
        const names = Object.keys(card.rollup) as MetricName[];
        expect(names).toContain(windowDays === 7 ? 'prWorkInProgress' : 'leadTimeHours');
        for (const metric of names) {
          const { values, pages } = await drillDown(id, metric, `windowDays=${windowDays}`);
          const again = recompute(metric, values, windowDays);
          checked++;
          if (
            again !== card.rollup[metric] ||
            pages[0]!.value !== card.rollup[metric] ||
            pages[0]!.count !== values.length
          )
            mismatches.push(
              `${name} ${windowDays} d ${metric}: card ${card.rollup[metric]}, list ${again} (${values.length} items)`,
            );
          for (const item of pages.flatMap((p) => p.workItems)) {
            if (Date.parse(item.at) > now + DAY) mismatches.push(`${name} ${metric}: ${item.externalId} after now`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(4 * 4 * 30);
  }, 300_000);

  it('lists deployed changes behind lead time: pull requests with the deployment that shipped them', async () => {
    for (const { id } of teams) {
      const { pages } = await drillDown(id, 'leadTimeHours', 'windowDays=90');
      const items = pages.flatMap((p) => p.workItems);
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(item.kind).toBe('pull_request');
        expect(item.state).toBe('merged');
        expect(item.shippedBy).not.toBeNull();
        // Shipped after it was merged, and the lead time runs to that deployment.
        expect(Date.parse(item.at)).toBeGreaterThanOrEqual(Date.parse(item.finishedAt!));
        expect(item.hours).toBe(item.value);
      }
    }
  });

  it('gives the same list for the same span asked as a time range', async () => {
    const { id } = teams.at(-1)!;
    for (const metric of [
      'leadTimeHours',
      'prWorkInProgress',
      'changeFailureRate',
      'cycleTimeHours',
      'sprintVelocity',
    ]) {
      const byWindow = await drillDown(id, metric, 'windowDays=28');
      const { from, to } = byWindow.pages[0]!;
      const bySpan = await drillDown(id, metric, `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      expect(bySpan.values).toEqual(byWindow.values);
      expect(bySpan.pages[0]!.value).toBe(byWindow.pages[0]!.value);
    }
  });

  it('exports the whole list and the teams overview as CSV', async () => {
    const { id } = teams.at(-1)!;
    const { values } = await drillDown(id, 'prMergeTimeHours', 'windowDays=90');
    const csv = await t.request({
      method: 'GET',
      url: `/api/teams/${id}/work-items/csv?metric=prMergeTimeHours&windowDays=90`,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('attachment');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('integration_id,kind,id,title,state,counted_at,value,shipped_by,failure,incident,sprint,url');
    expect(lines).toHaveLength(values.length + 1);
    const overview = await t.request({ method: 'GET', url: '/api/teams/metrics/csv?windowDays=28' });
    const rows = overview.body.trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^team_id,team,window_days,computed_at,deploymentsPerWeek,leadTimeHours,/);
    expect(rows.length).toBeGreaterThanOrEqual(teams.length + 1);
    expectError(
      await t.request({ method: 'GET', url: `/api/teams/${id}/work-items/csv?metric=nope` }),
      400,
      'E_VALIDATION',
    );
  });

  it('refuses a window with a time range, and an unknown metric', async () => {
    const { id } = teams[0]!;
    for (const query of [
      'metric=leadTimeHours&windowDays=7&from=2024-01-01',
      'metric=nope',
      'metric=leadTimeHours&windowDays=5',
    ]) {
      const response = await t.request({ method: 'GET', url: `/api/teams/${id}/work-items?${query}` });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('E_VALIDATION');
    }
  });
});
