/**
 * Jira sites that do not look like the default: custom status names and custom field ids (found
 * through the field list, or given), a per-integration status mapping, and Jira Data Center with a
 * personal access token (REST v2, `Bearer`). Same fixed project, so the same hand-checked metrics.
 */
import { createSimulator, DEFAULT_JIRA_CREDENTIALS, type Simulator } from '@agiletrack/api-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { AS_OF, EXPECTED, sync } from '../../testing/sync-helpers.ts';

const PAT = 'dc_personal_access_token';

describe('Jira variants', () => {
  let sim: Simulator;
  let t: TestServer;

  beforeAll(async () => {
    sim = await createSimulator({
      dataset: 'fixed',
      jira: {
        personalAccessTokens: [PAT],
        statusNames: { 'To Do': 'Backlog', 'In Progress': 'Doing', Done: 'Shipped' },
        fields: { storyPoints: 'customfield_10028', sprint: 'customfield_10104' },
      },
    });
    t = await startTestServer('embedded', { sync: { now: () => AS_OF } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  async function syncJira(config: Record<string, unknown>, credentials: Record<string, string>) {
    const created = await t.request({
      method: 'POST',
      url: `/api/teams/${t.ids.teamA}/integrations`,
      payload: {
        kind: 'jira',
        name: `board ${Math.random()}`,
        config: { baseUrl: sim.url, projectKey: 'AT', boardId: 1, ...config },
        credentials,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().integration.id as number;
    sim.reset();
    const job = await sync(t, id);
    expect(job.state, JSON.stringify(job.failedReason)).toBe('completed');
    const metrics = await t.request({ method: 'GET', url: `/api/integrations/${id}/metrics`, as: 'alice' });
    return { metrics: metrics.json().metrics.metrics as Record<string, number | null>, counts: sim.counts() };
  }

  const cloud = { email: DEFAULT_JIRA_CREDENTIALS.email };
  const apiToken = { apiToken: DEFAULT_JIRA_CREDENTIALS.apiToken };

  it('reads states from status categories and finds the story-point and sprint fields by name', async () => {
    const { metrics, counts } = await syncJira(cloud, apiToken);
    expect(metrics).toEqual(EXPECTED.jira); // "Doing" and "Shipped" need no setup; 10028 and 10104 were found
    expect(counts.byRoute['GET /rest/api/3/field']).toBe(1);
  });

  it('takes field ids from the config without asking for the field list', async () => {
    const { metrics, counts } = await syncJira(
      { ...cloud, fields: { storyPoints: 'customfield_10028', sprint: 'customfield_10104' } },
      apiToken,
    );
    expect(metrics).toEqual(EXPECTED.jira);
    expect(counts.byRoute['GET /rest/api/3/field']).toBeUndefined();
  });

  it('lets a status mapping override the category Jira gives a status', async () => {
    // The team does not count "Shipped" as done: nothing is done, everything started is in progress.
    const { metrics } = await syncJira({ ...cloud, statusMapping: { shipped: 'in_progress' } }, apiToken);
    expect(metrics).toMatchObject({
      doneIssues: 0,
      issueThroughputPerWeek: 0,
      issueWorkInProgress: 4,
      sprintVelocity: 0,
    });
  });

  it('syncs Jira Data Center with a personal access token (REST v2, Bearer)', async () => {
    const { metrics, counts } = await syncJira({ deployment: 'datacenter' }, { personalAccessToken: PAT });
    expect(metrics).toEqual(EXPECTED.jira);
    expect(counts.byRoute['GET /rest/api/2/search']).toBeGreaterThan(0);
    expect(counts.byRoute['GET /rest/api/3/search/jql']).toBeUndefined();
    expect(counts.byStatus['401']).toBeUndefined();
  });

  it('refuses an API token without an email, and a bad token fails the sync', async () => {
    const refused = await t.request({
      method: 'POST',
      url: `/api/teams/${t.ids.teamA}/integrations`,
      payload: {
        kind: 'jira',
        name: 'no email',
        config: { baseUrl: sim.url, projectKey: 'AT' },
        credentials: apiToken,
      },
    });
    expect(refused.statusCode).toBe(400);
    const created = await t.request({
      method: 'POST',
      url: `/api/teams/${t.ids.teamA}/integrations`,
      payload: {
        kind: 'jira',
        name: 'wrong pat',
        config: { baseUrl: sim.url, projectKey: 'AT', deployment: 'datacenter' },
        credentials: { personalAccessToken: 'wrong' },
      },
    });
    const job = await sync(t, created.json().integration.id);
    expect(job.state).toBe('failed');
    expect(String(job.failedReason)).toMatch(/rejected the credentials/);
  });
});
