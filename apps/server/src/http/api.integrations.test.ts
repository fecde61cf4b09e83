import { describe, expect, it } from 'vitest';
import { expectError, FRESH, leaksIn, serverFor } from '../testing/api-helpers.ts';
import { TEST_MODES } from '../testing/harness.ts';

// Nothing listens on the discard port: a sync started by a test fails at once, reaching no real API.
const CLOSED_PORT = 'http://127.0.0.1:9';
const UNKNOWN_UUID = '6f1c1e9a-2b7d-4c3e-9a51-0d2f4b8e7c10';
const INTEGRATION_FIELDS = [
  'config',
  'createdAt',
  'hasCredentials',
  'id',
  'kind',
  'name',
  'syncIntervalMinutes',
  'teamId',
  'updatedAt',
];

describe.each(TEST_MODES)('integration routes (%s)', (mode) => {
  // The integrations point at a closed port: one attempt per request, so a started sync fails fast.
  const api = serverFor(mode, { sync: { client: { maxAttempts: 1, baseDelayMs: 1 } } });
  let counter = 0;

  /** A fresh team with alice as member and one GitHub integration in it. */
  async function ownIntegration(): Promise<{ teamId: number; id: number }> {
    const team = await api.request({
      method: 'POST',
      url: '/api/teams',
      payload: { name: `Integrations ${++counter} ${Date.now()}`, memberIds: [api.t.ids.alice] },
    });
    const teamId = team.json().team.id as number;
    const created = await api.request({
      method: 'POST',
      url: `/api/teams/${teamId}/integrations`,
      payload: {
        kind: 'github',
        name: 'own repo',
        config: { owner: 'acme', repo: 'own', baseUrl: CLOSED_PORT },
        credentials: { token: 'ghp_SECRET_A_own' },
      },
    });
    expect(created.statusCode).toBe(201);
    return { teamId, id: created.json().integration.id };
  }

  describe('GET /api/integrations/:integrationId', () => {
    it('returns the integration, without credentials, to a member of its team and to an admin', async () => {
      for (const user of ['alice', 'admin'] as const) {
        const response = await api.request({
          method: 'GET',
          url: `/api/integrations/${api.t.ids.integrationA}`,
          as: user,
        });
        expect(response.statusCode).toBe(200);
        const integration = response.json().integration;
        expect(Object.keys(integration).sort()).toEqual(INTEGRATION_FIELDS);
        expect(integration).toMatchObject({
          id: api.t.ids.integrationA,
          teamId: api.t.ids.teamA,
          kind: 'github',
          name: 'A repo',
          config: { owner: 'acme', repo: 'alpha', baseUrl: 'http://127.0.0.1:9' },
          hasCredentials: true,
        });
      }
      const jira = await api.request({ method: 'GET', url: `/api/integrations/${api.t.ids.integrationB}`, as: 'bob' });
      expect(jira.json().integration).toMatchObject({
        kind: 'jira',
        config: { projectKey: 'BETA', email: 'bob@test.local' },
        hasCredentials: true,
      });
    });

    it('is 403 for a member of another team', async () => {
      expectError(
        await api.request({ method: 'GET', url: `/api/integrations/${api.t.ids.integrationA}`, as: 'bob' }),
        403,
        'E_FORBIDDEN',
      );
    });

    it('is 404 for an unknown id or a UUID, for admins and members alike', async () => {
      for (const user of ['admin', 'alice'] as const) {
        expectError(
          await api.request({ method: 'GET', url: '/api/integrations/987654', as: user }),
          404,
          'E_NOT_FOUND',
        );
        expectError(
          await api.request({ method: 'GET', url: `/api/integrations/${UNKNOWN_UUID}`, as: user }),
          404,
          'E_NOT_FOUND',
        );
      }
    });
  });

  describe('PATCH /api/integrations/:integrationId', () => {
    it('changes name, config and sync interval; the answer and the next reads show them', async () => {
      const { id, teamId } = await ownIntegration();
      await api.request({ method: 'GET', url: `/api/integrations/${id}`, as: 'alice' });
      await api.request({ method: 'GET', url: `/api/teams/${teamId}/integrations`, as: 'alice' });
      const payload = {
        name: 'renamed repo',
        config: { owner: 'acme', repo: 'renamed', baseUrl: CLOSED_PORT },
        syncIntervalMinutes: 60,
      };
      const response = await api.request({ method: 'PATCH', url: `/api/integrations/${id}`, as: 'alice', payload });
      expect(response.statusCode).toBe(200);
      expect(response.json().integration).toMatchObject({ id, ...payload, hasCredentials: true });
      expect(
        (await api.request({ method: 'GET', url: `/api/integrations/${id}`, as: 'alice' })).json().integration,
      ).toMatchObject(payload);
      const list = await api.request({ method: 'GET', url: `/api/teams/${teamId}/integrations`, as: 'alice' });
      expect(list.json().integrations).toEqual([expect.objectContaining({ id, ...payload })]);

      const cleared = await api.request({
        method: 'PATCH',
        url: `/api/integrations/${id}`,
        as: 'alice',
        payload: { syncIntervalMinutes: null },
      });
      expect(cleared.json().integration.syncIntervalMinutes).toBeNull();
    });

    it('replaces credentials without ever returning them', async () => {
      const { id } = await ownIntegration();
      const response = await api.request({
        method: 'PATCH',
        url: `/api/integrations/${id}`,
        as: 'alice',
        payload: { credentials: { token: 'ghp_SECRET_A_rotated' } },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().integration.hasCredentials).toBe(true);
      expect(await api.t.server.deps.integrations.credentials(id)).toEqual({ token: 'ghp_SECRET_A_rotated' });
    });

    it.each([
      ['no body', undefined],
      ['nothing to change', {}],
      ['an empty name', { name: '' }],
      ['an unknown field', { kind: 'jira' }],
      [
        'a Jira config on a GitHub integration',
        { config: { baseUrl: 'https://j.example.com', projectKey: 'ENG', email: 'a@b.co' } },
      ],
      ['a config with an unknown field', { config: { owner: 'acme', repo: 'r', branch: 'main' } }],
      ['Jira credentials on a GitHub integration', { credentials: { apiToken: 'SECRET_B_wrong_kind' } }],
      ['an empty secret', { credentials: { token: '' } }],
      ['a sync interval over a week', { syncIntervalMinutes: 10_081 }],
    ])('rejects %s with 400 E_VALIDATION and changes nothing', async (_label, payload) => {
      const { id } = await ownIntegration();
      const before = (await api.request({ method: 'GET', url: `/api/integrations/${id}`, headers: FRESH })).json();
      const response = await api.request({
        method: 'PATCH',
        url: `/api/integrations/${id}`,
        as: 'alice',
        ...(payload !== undefined && { payload }),
      });
      expectError(response, 400, 'E_VALIDATION');
      expect((await api.request({ method: 'GET', url: `/api/integrations/${id}`, headers: FRESH })).json()).toEqual(
        before,
      );
      expect(await api.t.server.deps.integrations.credentials(id)).toEqual({ token: 'ghp_SECRET_A_own' });
    });

    it('is 403 for a member of another team and leaves the integration unchanged', async () => {
      const { id } = await ownIntegration();
      expectError(
        await api.request({
          method: 'PATCH',
          url: `/api/integrations/${id}`,
          as: 'bob',
          payload: { name: 'taken over' },
        }),
        403,
        'E_FORBIDDEN',
      );
      expect(
        (await api.request({ method: 'GET', url: `/api/integrations/${id}`, headers: FRESH })).json().integration.name,
      ).toBe('own repo');
    });

    it('is 404 for an unknown integration', async () => {
      expectError(
        await api.request({ method: 'PATCH', url: '/api/integrations/987654', payload: { name: 'x' } }),
        404,
        'E_NOT_FOUND',
      );
    });
  });

  describe('DELETE /api/integrations/:integrationId', () => {
    it("lets a member delete it: later reads are 404 and the team's list no longer has it", async () => {
      const { id, teamId } = await ownIntegration();
      for (const url of [
        `/api/integrations/${id}`,
        `/api/integrations/${id}/metrics`,
        `/api/integrations/${id}/last-sync`,
        `/api/teams/${teamId}/integrations`,
      ]) {
        expect((await api.request({ method: 'GET', url, as: 'alice' })).statusCode).toBe(200);
      }
      const response = await api.request({ method: 'DELETE', url: `/api/integrations/${id}`, as: 'alice' });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      for (const url of [
        `/api/integrations/${id}`,
        `/api/integrations/${id}/metrics`,
        `/api/integrations/${id}/last-sync`,
      ]) {
        expectError(await api.request({ method: 'GET', url, as: 'alice' }), 404, 'E_NOT_FOUND');
      }
      const list = await api.request({ method: 'GET', url: `/api/teams/${teamId}/integrations`, as: 'alice' });
      expect(list.json().integrations).toEqual([]);
      expectError(
        await api.request({ method: 'DELETE', url: `/api/integrations/${id}`, as: 'alice' }),
        404,
        'E_NOT_FOUND',
      );
    });

    it('is 403 for a member of another team and the integration stays', async () => {
      const { id } = await ownIntegration();
      expectError(
        await api.request({ method: 'DELETE', url: `/api/integrations/${id}`, as: 'bob' }),
        403,
        'E_FORBIDDEN',
      );
      expect((await api.request({ method: 'GET', url: `/api/integrations/${id}`, headers: FRESH })).statusCode).toBe(
        200,
      );
    });

    it('is 404 for an unknown integration', async () => {
      expectError(await api.request({ method: 'DELETE', url: '/api/integrations/987654' }), 404, 'E_NOT_FOUND');
    });
  });

  describe('GET /api/integrations/:integrationId/metrics and /last-sync', () => {
    it('returns empty metrics and a "never" last sync before any sync', async () => {
      const metrics = await api.request({
        method: 'GET',
        url: `/api/integrations/${api.t.ids.integrationA}/metrics`,
        as: 'alice',
      });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.json()).toEqual({
        metrics: {
          integrationId: api.t.ids.integrationA,
          kind: 'github',
          windowDays: 28,
          computedAt: null,
          metrics: null,
        },
      });
      const lastSync = await api.request({
        method: 'GET',
        url: `/api/integrations/${api.t.ids.integrationA}/last-sync`,
        as: 'alice',
      });
      expect(lastSync.statusCode).toBe(200);
      expect(lastSync.json()).toEqual({
        lastSync: {
          integrationId: api.t.ids.integrationA,
          status: 'never',
          jobId: null,
          startedAt: null,
          finishedAt: null,
          error: null,
          stats: null,
        },
      });
    });

    it('returns the newest snapshot and run from the database', async () => {
      const { id } = await ownIntegration();
      const sql = api.t.server.deps.database.sql;
      await sql.query(
        "INSERT INTO metric_snapshots (integration_id, computed_at, window_days, metrics) VALUES ($1, now() - interval '1 day', 14, $2), ($1, now(), 28, $3)",
        [id, JSON.stringify({ throughputPerWeek: 1 }), JSON.stringify({ throughputPerWeek: 9 })],
      );
      await sql.query(
        "INSERT INTO sync_runs (integration_id, job_id, status, finished_at, stats) VALUES ($1, 'job-1', 'succeeded', now(), $2)",
        [id, JSON.stringify({ items: 3 })],
      );
      const metrics = await api.request({
        method: 'GET',
        url: `/api/integrations/${id}/metrics`,
        as: 'alice',
        headers: FRESH,
      });
      expect(metrics.json().metrics).toMatchObject({
        integrationId: id,
        windowDays: 28,
        metrics: { throughputPerWeek: 9 },
      });
      const lastSync = await api.request({
        method: 'GET',
        url: `/api/integrations/${id}/last-sync`,
        as: 'alice',
        headers: FRESH,
      });
      expect(lastSync.json().lastSync).toMatchObject({
        integrationId: id,
        status: 'succeeded',
        jobId: 'job-1',
        stats: { items: 3 },
      });
    });

    it('is 403 for a member of another team and 404 for an unknown integration', async () => {
      for (const suffix of ['metrics', 'last-sync']) {
        expectError(
          await api.request({ method: 'GET', url: `/api/integrations/${api.t.ids.integrationA}/${suffix}`, as: 'bob' }),
          403,
          'E_FORBIDDEN',
        );
        expectError(
          await api.request({ method: 'GET', url: `/api/integrations/987654/${suffix}` }),
          404,
          'E_NOT_FOUND',
        );
      }
    });
  });

  describe('POST /api/integrations/:integrationId/sync and GET /api/jobs/:jobId', () => {
    it('accepts a sync with 202 {jobId}; the job is readable by members of the team and admins only', async () => {
      const { id, teamId } = await ownIntegration();
      const response = await api.request({ method: 'POST', url: `/api/integrations/${id}/sync`, as: 'alice' });
      expect(response.statusCode).toBe(202);
      const { jobId } = response.json();
      expect(response.json()).toEqual({ jobId: expect.stringMatching(/\S/) });
      expect(response.headers.location).toBe(`/api/jobs/${jobId}`);

      for (const user of ['alice', 'admin'] as const) {
        const job = await api.request({ method: 'GET', url: `/api/jobs/${jobId}`, as: user });
        expect(job.statusCode).toBe(200);
        expect(job.json().job).toMatchObject({ id: jobId, data: { integrationId: id, teamId } });
      }
      const bob = await api.request({ method: 'GET', url: `/api/jobs/${jobId}`, as: 'bob' });
      expectError(bob, 403, 'E_FORBIDDEN');
      expect(bob.body).not.toMatch(/integrationId|state|progress|own repo/);
    });

    it('is 403 for a member of another team and 404 for an unknown integration', async () => {
      expectError(
        await api.request({ method: 'POST', url: `/api/integrations/${api.t.ids.integrationA}/sync`, as: 'bob' }),
        403,
        'E_FORBIDDEN',
      );
      expectError(await api.request({ method: 'POST', url: '/api/integrations/987654/sync' }), 404, 'E_NOT_FOUND');
    });

    it('answers an unknown job id with 404 and a malformed one with 400 E_INVALID_ID', async () => {
      expectError(
        await api.request({ method: 'GET', url: `/api/jobs/${UNKNOWN_UUID}`, as: 'alice' }),
        404,
        'E_NOT_FOUND',
      );
      expectError(await api.request({ method: 'GET', url: '/api/jobs/123456' }), 404, 'E_NOT_FOUND');
      expectError(await api.request({ method: 'GET', url: '/api/jobs/not-a-job' }), 400, 'E_INVALID_ID');
    });
  });

  it('returned no credentials in any response of this block', () => {
    expect(api.bodies.length).toBeGreaterThan(50);
    expect(api.bodies.flatMap(leaksIn)).toEqual([]);
  });
});
