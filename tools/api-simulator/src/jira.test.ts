import { describe, expect, it } from 'vitest';
import { jiraBasicAuth } from './jira/respond.ts';
import { jira, startSimulator } from './test-helpers.ts';

interface SearchPage {
  issues: { id: string; key: string; fields?: Record<string, unknown>; changelog?: { histories: unknown[] } }[];
  nextPageToken?: string;
  isLast: boolean;
}

describe('Jira: search with nextPageToken', () => {
  it('pages POST /rest/api/3/search/jql to the end and sees every issue exactly once', async () => {
    const sim = await startSimulator({ seed: 9 });
    const expected = sim.dataset.data.jira.issues.filter((i) => i.projectKey === 'AT').map((i) => i.key);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await jira(sim, '/rest/api/3/search/jql', {
        body: { jql: 'project = AT', maxResults: 7, fields: ['summary'], nextPageToken: token },
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as SearchPage;
      seen.push(...page.issues.map((i) => i.key));
      expect(page.isLast).toBe(page.nextPageToken === undefined);
      if (page.isLast) expect(Object.keys(page)).not.toContain('nextPageToken');
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(Math.ceil(expected.length / 7));
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen)).toEqual(new Set(expected));
  });

  it('gives the same pages through GET with query parameters', async () => {
    const sim = await startSimulator({ seed: 9 });
    const jql = encodeURIComponent('project = WEB ORDER BY created DESC');
    const first = (await (
      await jira(sim, `/rest/api/3/search/jql?jql=${jql}&maxResults=10&fields=created`)
    ).json()) as SearchPage;
    const second = (await (
      await jira(
        sim,
        `/rest/api/3/search/jql?jql=${jql}&maxResults=10&fields=created&nextPageToken=${first.nextPageToken}`,
      )
    ).json()) as SearchPage;
    const viaPost = (await (
      await jira(sim, '/rest/api/3/search/jql', {
        body: { jql: 'project = WEB ORDER BY created DESC', maxResults: 20, fields: ['created'] },
      })
    ).json()) as SearchPage;
    expect([...first.issues, ...second.issues].map((i) => i.key)).toEqual(viaPost.issues.map((i) => i.key));
    const created = viaPost.issues.map((i) => Date.parse(String(i.fields?.created)));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('refuses a token from another query, an unbounded query and JQL it cannot run', async () => {
    const sim = await startSimulator({ seed: 9 });
    const page = (await (
      await jira(sim, '/rest/api/3/search/jql', { body: { jql: 'project = AT', maxResults: 5 } })
    ).json()) as SearchPage;
    const replayed = await jira(sim, '/rest/api/3/search/jql', {
      body: { jql: 'project = WEB', nextPageToken: page.nextPageToken },
    });
    expect(replayed.status).toBe(400);
    for (const jql of ['', 'ORDER BY created', 'project = AT OR project = WEB', 'colour = red', 'status > Done']) {
      const response = await jira(sim, '/rest/api/3/search/jql', { body: { jql } });
      expect(response.status, jql).toBe(400);
      expect(((await response.json()) as { errorMessages: string[] }).errorMessages).toHaveLength(1);
    }
  });
});

describe('Jira: issues on the fixed data', () => {
  it('returns only ids without fields, the asked fields with them, and changelog on expand', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const bare = (await (
      await jira(sim, '/rest/api/3/search/jql', { body: { jql: 'project = AT' } })
    ).json()) as SearchPage;
    expect(bare.issues.map((i) => i.key)).toEqual(['AT-1', 'AT-2', 'AT-3', 'AT-4']);
    expect(bare.issues[0]!.fields).toBeUndefined();

    const full = (await (
      await jira(sim, '/rest/api/3/search/jql', {
        body: { jql: 'key = AT-2', fields: ['status', 'customfield_10016', 'customfield_10020'], expand: 'changelog' },
      })
    ).json()) as SearchPage;
    const issue = full.issues[0]!;
    expect(Object.keys(issue.fields!).sort()).toEqual(['customfield_10016', 'customfield_10020', 'status']);
    expect(issue.fields).toMatchObject({
      status: { name: 'Done', statusCategory: { key: 'done' } },
      customfield_10016: 5,
      customfield_10020: [{ id: 1, state: 'closed', completeDate: '2024-01-15T10:00:00.000Z' }],
    });
    // Expanded histories come newest first, as in Jira.
    expect(issue.changelog!.histories).toMatchObject([
      {
        created: '2024-01-10T09:00:00.000+0000',
        items: [{ field: 'status', fromString: 'In Progress', toString: 'Done' }],
      },
      { created: '2024-01-03T09:00:00.000+0000', items: [{ fromString: 'To Do', toString: 'In Progress' }] },
    ]);
  });

  it('filters by status, sprint functions and dates', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const keys = async (jql: string) =>
      ((await (await jira(sim, '/rest/api/3/search/jql', { body: { jql } })).json()) as SearchPage).issues.map(
        (i) => i.key,
      );
    expect(await keys('project = AT AND status != Done')).toEqual(['AT-4']);
    expect(await keys('sprint in openSprints()')).toEqual(['AT-3', 'AT-4']);
    expect(await keys('sprint in closedSprints() AND resolutiondate is not EMPTY')).toEqual(['AT-1', 'AT-2']);
    expect(await keys('project = AT AND updated >= "2024-01-10" ORDER BY updated DESC')).toEqual([
      'AT-3',
      'AT-4',
      'AT-2',
    ]);
    expect(await keys('project in (AT, WEB) AND key not in (AT-1, AT-2)')).toEqual(['AT-3', 'AT-4']);
  });

  it('pages an issue changelog with startAt and maxResults, oldest first', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const first = (await (await jira(sim, '/rest/api/3/issue/AT-1/changelog?maxResults=1')).json()) as {
      startAt: number;
      total: number;
      isLast: boolean;
      values: { items: { toString: string }[] }[];
    };
    expect(first).toMatchObject({ startAt: 0, total: 2, isLast: false });
    expect(first.values[0]!.items[0]!.toString).toBe('In Progress');
    const second = (await (
      await jira(sim, '/rest/api/3/issue/AT-1/changelog?startAt=1&maxResults=1')
    ).json()) as typeof first;
    expect(second).toMatchObject({ startAt: 1, isLast: true });
    expect(second.values[0]!.items[0]!.toString).toBe('Done');
    expect((await jira(sim, '/rest/api/3/issue/AT-99/changelog')).status).toBe(404);
  });

  it('lists a board’s sprints (paged, filtered by state) and a sprint’s issues', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const page = (await (await jira(sim, '/rest/agile/1.0/board/1/sprint?maxResults=1')).json()) as {
      isLast: boolean;
      values: { id: number; state: string; startDate: string }[];
    };
    expect(page.isLast).toBe(false);
    expect(page.values).toMatchObject([{ id: 1, state: 'closed', startDate: '2024-01-01T09:00:00.000Z' }]);
    const active = (await (await jira(sim, '/rest/agile/1.0/board/1/sprint?state=active')).json()) as typeof page;
    expect(active.values.map((s) => s.id)).toEqual([2]);
    expect((await jira(sim, '/rest/agile/1.0/board/77/sprint')).status).toBe(404);

    const sprintIssues = (await (await jira(sim, '/rest/agile/1.0/sprint/2/issue')).json()) as {
      total: number;
      issues: { key: string; fields: { customfield_10016: number } }[];
    };
    expect(sprintIssues.total).toBe(2);
    expect(sprintIssues.issues.map((i) => [i.key, i.fields.customfield_10016])).toEqual([
      ['AT-3', 2],
      ['AT-4', 8],
    ]);
  });
});

describe('Jira: authentication and rate limit', () => {
  it('answers 401 for missing or wrong basic credentials', async () => {
    const sim = await startSimulator({
      dataset: 'fixed',
      jira: { credentials: [{ email: 'a@b.c', apiToken: 't0k' }] },
    });
    const url = `${sim.url}/rest/agile/1.0/board/1/sprint`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: jiraBasicAuth('a@b.c', 'wrong') } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer t0k' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: jiraBasicAuth('a@b.c', 't0k') } })).status).toBe(200);
  });

  it('answers 429 with Retry-After in seconds when the window’s limit is spent', async () => {
    let clock = Date.parse('2024-06-01T00:00:00Z');
    const sim = await startSimulator({
      dataset: 'fixed',
      now: () => clock,
      jira: { rateLimit: { limit: 2, windowMs: 30_000 } },
    });
    const path = '/rest/agile/1.0/board/1/sprint';
    expect((await jira(sim, path)).status).toBe(200);
    expect((await jira(sim, path)).status).toBe(200);
    const limited = await jira(sim, path);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    clock += 29_500;
    expect((await jira(sim, path)).headers.get('retry-after')).toBe('1');
    clock += 500;
    expect((await jira(sim, path)).status).toBe(200);
  });
});
