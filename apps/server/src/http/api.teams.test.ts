import { describe, expect, it } from 'vitest';
import { expectError, FRESH, leaksIn, serverFor } from '../testing/api-helpers.ts';
import { TEST_MODES } from '../testing/harness.ts';

let unique = 0;
/** A team name no other test uses. */
const nameFor = (label: string) => `${label} ${++unique} ${Math.random().toString(36).slice(2, 8)}`;

const githubBody = (name: string) => ({
  kind: 'github',
  name,
  config: { owner: 'acme', repo: 'widgets', baseUrl: 'http://127.0.0.1:9' },
  credentials: { token: 'ghp_SECRET_A_created_in_test' },
});
const jiraBody = (name: string) => ({
  kind: 'jira',
  name,
  config: { baseUrl: 'https://jira.example.com', projectKey: 'ENG', boardId: 3, email: 'ops@example.com' },
  credentials: { apiToken: 'jira_SECRET_B_created_in_test' },
  syncIntervalMinutes: 30,
});

describe.each(TEST_MODES)('team routes (%s)', (mode) => {
  const api = serverFor(mode);

  async function createTeam(body: Record<string, unknown>): Promise<{ id: number; name: string; memberIds: number[] }> {
    const response = await api.request({ method: 'POST', url: '/api/teams', payload: body });
    expect(response.statusCode).toBe(201);
    return response.json().team;
  }

  /** Every team, straight from the database. */
  async function originTeams(): Promise<{ id: number; name: string; description: string; memberIds: number[] }[]> {
    const response = await api.request({ method: 'GET', url: '/api/teams', headers: FRESH });
    expect(response.statusCode).toBe(200);
    return response.json().teams;
  }

  describe('GET /api/teams', () => {
    it('shows an admin every team', async () => {
      const response = await api.request({ method: 'GET', url: '/api/teams' });
      expect(response.statusCode).toBe(200);
      const teams = response.json().teams as { id: number; name: string }[];
      expect(teams).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: api.t.ids.teamA,
            name: 'Team A',
            description: 'alpha',
            memberIds: [api.t.ids.alice],
          }),
          expect.objectContaining({
            id: api.t.ids.teamB,
            name: 'Team B',
            description: 'beta',
            memberIds: [api.t.ids.bob],
          }),
        ]),
      );
      expect(Object.keys(teams[0]!).sort()).toEqual([
        'createdAt',
        'description',
        'id',
        'memberIds',
        'name',
        'updatedAt',
      ]);
    });

    it('shows a member only the teams they belong to, even when the full list is cached', async () => {
      await api.request({ method: 'GET', url: '/api/teams' }); // the admin's read caches the full list
      for (const [user, own, other] of [
        ['alice', api.t.ids.teamA, api.t.ids.teamB],
        ['bob', api.t.ids.teamB, api.t.ids.teamA],
      ] as const) {
        const response = await api.request({ method: 'GET', url: '/api/teams', as: user });
        expect(response.statusCode).toBe(200);
        const teams = response.json().teams as { id: number; memberIds: number[] }[];
        expect(teams.map((t) => t.id)).toContain(own);
        expect(teams.map((t) => t.id)).not.toContain(other);
        for (const team of teams) expect(team.memberIds).toContain(api.t.ids[user]);
      }
    });
  });

  describe('POST /api/teams', () => {
    it('creates a team (admin) that the next list read shows', async () => {
      await api.request({ method: 'GET', url: '/api/teams' }); // cached before the write
      const name = nameFor('Created');
      const response = await api.request({
        method: 'POST',
        url: '/api/teams',
        payload: { name, description: 'd', memberIds: [api.t.ids.bob] },
      });
      expect(response.statusCode).toBe(201);
      const team = response.json().team;
      expect(team).toEqual({
        id: expect.any(Number),
        name,
        description: 'd',
        memberIds: [api.t.ids.bob],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const list = await api.request({ method: 'GET', url: '/api/teams' });
      expect(list.json().teams).toContainEqual(expect.objectContaining({ id: team.id, name }));
      // The new member sees it at once (their cached principal was dropped).
      const bob = await api.request({ method: 'GET', url: `/api/teams/${team.id}`, as: 'bob' });
      expect(bob.statusCode).toBe(200);
    });

    it('is for admins only: a member gets 403 and nothing is created', async () => {
      const name = nameFor('By a member');
      expectError(
        await api.request({ method: 'POST', url: '/api/teams', as: 'alice', payload: { name } }),
        403,
        'E_FORBIDDEN',
      );
      expect((await originTeams()).map((t) => t.name)).not.toContain(name);
    });

    it.each([
      ['no body', undefined],
      ['an empty object', {}],
      ['an empty name', { name: '   ' }],
      ['a name of 121 characters', { name: 'x'.repeat(121) }],
      ['a number as name', { name: 12 }],
      ['member ids that are not integers', { name: 'bad members', memberIds: ['1'] }],
      ['an unknown field', { name: 'extra field', owner: 1 }],
    ])('rejects %s as E_VALIDATION', async (_label, payload) => {
      const before = await originTeams();
      const response = await api.request({
        method: 'POST',
        url: '/api/teams',
        ...(payload !== undefined && { payload }),
      });
      expectError(response, 400, 'E_VALIDATION');
      expect(await originTeams()).toEqual(before);
    });

    it('refuses a duplicate name with 409 E_CONFLICT and leaves the list unchanged', async () => {
      const before = await originTeams();
      const cached = await api.request({ method: 'GET', url: '/api/teams' });
      expectError(
        await api.request({ method: 'POST', url: '/api/teams', payload: { name: 'Team A' } }),
        409,
        'E_CONFLICT',
      );
      expect(await originTeams()).toEqual(before);
      expect((await api.request({ method: 'GET', url: '/api/teams' })).json()).toEqual(cached.json());
    });

    it('refuses unknown member ids with 400 and creates no team', async () => {
      const name = nameFor('Ghost members');
      const response = await api.request({
        method: 'POST',
        url: '/api/teams',
        payload: { name, memberIds: [api.t.ids.alice, 987_654] },
      });
      expectError(response, 400, 'E_VALIDATION');
      expect(response.json().error.message).toContain('987654');
      expect((await originTeams()).map((t) => t.name)).not.toContain(name);
      // The name is still free: the refused insert left nothing behind.
      expect((await createTeam({ name })).name).toBe(name);
    });
  });

  describe('GET /api/teams/:teamId', () => {
    it('returns the team to a member and to an admin', async () => {
      for (const user of ['alice', 'admin'] as const) {
        const response = await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamA}`, as: user });
        expect(response.statusCode).toBe(200);
        expect(response.json().team).toMatchObject({
          id: api.t.ids.teamA,
          name: 'Team A',
          memberIds: [api.t.ids.alice],
        });
      }
    });

    it('is 403 for a member of another team', async () => {
      expectError(
        await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamB}`, as: 'alice' }),
        403,
        'E_FORBIDDEN',
      );
    });

    it('is 404 for an admin when the team does not exist', async () => {
      expectError(await api.request({ method: 'GET', url: '/api/teams/987654' }), 404, 'E_NOT_FOUND');
      // Asked twice: an unknown id is not cached as a hit.
      expectError(await api.request({ method: 'GET', url: '/api/teams/987654' }), 404, 'E_NOT_FOUND');
    });
  });

  describe('PATCH /api/teams/:teamId', () => {
    it('renames a team (admin); the answer and the next reads carry the new values', async () => {
      const team = await createTeam({ name: nameFor('Rename me') });
      await api.request({ method: 'GET', url: `/api/teams/${team.id}` });
      const name = nameFor('Renamed');
      const response = await api.request({
        method: 'PATCH',
        url: `/api/teams/${team.id}`,
        payload: { name, description: 'new' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().team).toMatchObject({ id: team.id, name, description: 'new' });
      expect((await api.request({ method: 'GET', url: `/api/teams/${team.id}` })).json().team).toMatchObject({
        name,
        description: 'new',
      });
    });

    it('lets a member rename their own team but not change its members', async () => {
      const team = await createTeam({ name: nameFor('Alice rename'), memberIds: [api.t.ids.alice] });
      const name = nameFor('Renamed by Alice');
      const renamed = await api.request({
        method: 'PATCH',
        url: `/api/teams/${team.id}`,
        as: 'alice',
        payload: { name },
      });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json().team.name).toBe(name);

      const members = await api.request({
        method: 'PATCH',
        url: `/api/teams/${team.id}`,
        as: 'alice',
        payload: { name: nameFor('Also renamed'), memberIds: [api.t.ids.alice, api.t.ids.bob] },
      });
      expectError(members, 403, 'E_FORBIDDEN');
      const origin = await api.request({ method: 'GET', url: `/api/teams/${team.id}`, headers: FRESH });
      expect(origin.json().team).toMatchObject({ name, memberIds: [api.t.ids.alice] });
    });

    it('changes members (admin), and access follows at once', async () => {
      const team = await createTeam({ name: nameFor('Membership') });
      expectError(await api.request({ method: 'GET', url: `/api/teams/${team.id}`, as: 'bob' }), 403, 'E_FORBIDDEN');
      const added = await api.request({
        method: 'PATCH',
        url: `/api/teams/${team.id}`,
        payload: { memberIds: [api.t.ids.bob] },
      });
      expect(added.json().team.memberIds).toEqual([api.t.ids.bob]);
      expect((await api.request({ method: 'GET', url: `/api/teams/${team.id}`, as: 'bob' })).statusCode).toBe(200);
      await api.request({ method: 'PATCH', url: `/api/teams/${team.id}`, payload: { memberIds: [] } });
      expectError(await api.request({ method: 'GET', url: `/api/teams/${team.id}`, as: 'bob' }), 403, 'E_FORBIDDEN');
      const list = await api.request({ method: 'GET', url: '/api/teams', as: 'bob' });
      expect(list.json().teams.map((t: { id: number }) => t.id)).not.toContain(team.id);
    });

    it('is 403 for a member of another team, and the team is unchanged', async () => {
      const team = await createTeam({ name: nameFor('Not Alice'), memberIds: [api.t.ids.bob] });
      const response = await api.request({
        method: 'PATCH',
        url: `/api/teams/${team.id}`,
        as: 'alice',
        payload: { name: nameFor('Hijacked') },
      });
      expectError(response, 403, 'E_FORBIDDEN');
      expect(
        (await api.request({ method: 'GET', url: `/api/teams/${team.id}`, headers: FRESH })).json().team.name,
      ).toBe(team.name);
    });

    it('is 404 for an admin when the team does not exist', async () => {
      expectError(
        await api.request({ method: 'PATCH', url: '/api/teams/987654', payload: { name: nameFor('Nobody') } }),
        404,
        'E_NOT_FOUND',
      );
    });

    it.each([
      ['no body', undefined],
      ['nothing to change', {}],
      ['an empty name', { name: '' }],
      ['a long description', { description: 'x'.repeat(2_001) }],
      ['an unknown field', { name: 'valid', color: 'red' }],
      ['a null name', { name: null }],
    ])('rejects %s with 400 E_VALIDATION and leaves the team unchanged in the database', async (_label, payload) => {
      const team = await createTeam({ name: nameFor('Unchanged'), description: 'kept' });
      const response = await api.request({
        method: 'PATCH',
        url: `/api/teams/${team.id}`,
        ...(payload !== undefined && { payload }),
      });
      expectError(response, 400, 'E_VALIDATION');
      const origin = await api.request({ method: 'GET', url: `/api/teams/${team.id}`, headers: FRESH });
      expect(origin.json().team).toMatchObject({ name: team.name, description: 'kept', memberIds: [] });
    });

    it('refuses unknown member ids with 400 and keeps the rename of the same request out of the database', async () => {
      const team = await createTeam({ name: nameFor('Half write'), memberIds: [api.t.ids.alice] });
      await api.request({ method: 'GET', url: `/api/teams/${team.id}` });
      const response = await api.request({
        method: 'PATCH',
        url: `/api/teams/${team.id}`,
        payload: { name: nameFor('Must not stick'), memberIds: [api.t.ids.alice, 987_654] },
      });
      expectError(response, 400, 'E_VALIDATION');
      const origin = await api.request({ method: 'GET', url: `/api/teams/${team.id}`, headers: FRESH });
      expect(origin.json().team).toMatchObject({ name: team.name, memberIds: [api.t.ids.alice] });
    });

    it('refuses a rename to a taken name with 409 E_CONFLICT and keeps the old name', async () => {
      const team = await createTeam({ name: nameFor('Conflict') });
      expectError(
        await api.request({ method: 'PATCH', url: `/api/teams/${team.id}`, payload: { name: 'Team B' } }),
        409,
        'E_CONFLICT',
      );
      expect(
        (await api.request({ method: 'GET', url: `/api/teams/${team.id}`, headers: FRESH })).json().team.name,
      ).toBe(team.name);
    });
  });

  describe('DELETE /api/teams/:teamId', () => {
    it('deletes a team (admin): reads that were cached become 404 and the list drops it', async () => {
      const team = await createTeam({ name: nameFor('Doomed'), memberIds: [api.t.ids.alice] });
      const created = await api.request({
        method: 'POST',
        url: `/api/teams/${team.id}/integrations`,
        payload: githubBody('doomed repo'),
      });
      const integrationId = created.json().integration.id as number;
      for (const url of [
        '/api/teams',
        `/api/teams/${team.id}`,
        `/api/teams/${team.id}/integrations`,
        `/api/teams/${team.id}/metrics`,
        `/api/integrations/${integrationId}`,
        `/api/integrations/${integrationId}/metrics`,
        `/api/integrations/${integrationId}/last-sync`,
      ]) {
        expect((await api.request({ method: 'GET', url })).statusCode).toBe(200);
      }

      const response = await api.request({ method: 'DELETE', url: `/api/teams/${team.id}` });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');

      for (const url of [
        `/api/teams/${team.id}`,
        `/api/teams/${team.id}/integrations`,
        `/api/teams/${team.id}/metrics`,
        `/api/integrations/${integrationId}`,
        `/api/integrations/${integrationId}/metrics`,
        `/api/integrations/${integrationId}/last-sync`,
      ]) {
        expectError(await api.request({ method: 'GET', url }), 404, 'E_NOT_FOUND');
      }
      expect(
        (await api.request({ method: 'GET', url: '/api/teams' })).json().teams.map((t: { id: number }) => t.id),
      ).not.toContain(team.id);
      // Its former member no longer has it.
      expect((await api.request({ method: 'GET', url: '/api/me', as: 'alice' })).json().user.teamIds).not.toContain(
        team.id,
      );
      expectError(await api.request({ method: 'DELETE', url: `/api/teams/${team.id}` }), 404, 'E_NOT_FOUND');
    });

    it('is for admins only: a member of the team gets 403 and the team stays', async () => {
      const team = await createTeam({ name: nameFor('Kept'), memberIds: [api.t.ids.alice] });
      expectError(
        await api.request({ method: 'DELETE', url: `/api/teams/${team.id}`, as: 'alice' }),
        403,
        'E_FORBIDDEN',
      );
      expectError(await api.request({ method: 'DELETE', url: `/api/teams/${team.id}`, as: 'bob' }), 403, 'E_FORBIDDEN');
      expect((await api.request({ method: 'GET', url: `/api/teams/${team.id}`, headers: FRESH })).statusCode).toBe(200);
    });

    it('is 404 for an admin when the team does not exist', async () => {
      expectError(await api.request({ method: 'DELETE', url: '/api/teams/987654' }), 404, 'E_NOT_FOUND');
    });
  });

  describe('GET /api/teams/:teamId/integrations', () => {
    it("lists the team's integrations without credentials", async () => {
      const response = await api.request({
        method: 'GET',
        url: `/api/teams/${api.t.ids.teamA}/integrations`,
        as: 'alice',
      });
      expect(response.statusCode).toBe(200);
      const list = response.json().integrations;
      expect(list).toContainEqual({
        id: api.t.ids.integrationA,
        teamId: api.t.ids.teamA,
        kind: 'github',
        name: 'A repo',
        config: { owner: 'acme', repo: 'alpha', baseUrl: 'http://127.0.0.1:9' },
        syncIntervalMinutes: null,
        hasCredentials: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      for (const integration of list) expect(integration.teamId).toBe(api.t.ids.teamA);
    });

    it('is 403 for a member of another team and 404 for an admin on an unknown team', async () => {
      expectError(
        await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamA}/integrations`, as: 'bob' }),
        403,
        'E_FORBIDDEN',
      );
      expectError(await api.request({ method: 'GET', url: '/api/teams/987654/integrations' }), 404, 'E_NOT_FOUND');
    });
  });

  describe('POST /api/teams/:teamId/integrations', () => {
    it('lets a member add GitHub and Jira integrations; the answer says hasCredentials and holds no secret', async () => {
      const team = await createTeam({ name: nameFor('Integrations'), memberIds: [api.t.ids.alice] });
      await api.request({ method: 'GET', url: `/api/teams/${team.id}/integrations`, as: 'alice' }); // cached empty list
      const github = await api.request({
        method: 'POST',
        url: `/api/teams/${team.id}/integrations`,
        as: 'alice',
        payload: githubBody('gh'),
      });
      expect(github.statusCode).toBe(201);
      expect(github.json().integration).toEqual({
        id: expect.any(Number),
        teamId: team.id,
        kind: 'github',
        name: 'gh',
        config: { owner: 'acme', repo: 'widgets', baseUrl: 'http://127.0.0.1:9' },
        // No interval given: a new integration syncs on the default interval rather than never.
        syncIntervalMinutes: 60,
        hasCredentials: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      // Its webhook secret is answered this once, beside the integration.
      expect(github.json().webhookSecret).toEqual(expect.any(String));
      const jira = await api.request({
        method: 'POST',
        url: `/api/teams/${team.id}/integrations`,
        as: 'alice',
        payload: jiraBody('jr'),
      });
      expect(jira.statusCode).toBe(201);
      expect(jira.json().integration).toMatchObject({
        kind: 'jira',
        name: 'jr',
        syncIntervalMinutes: 30,
        hasCredentials: true,
      });

      const list = await api.request({ method: 'GET', url: `/api/teams/${team.id}/integrations`, as: 'alice' });
      expect(list.json().integrations.map((i: { name: string }) => i.name)).toEqual(['gh', 'jr']);
      // The secret is stored, encrypted, for the connectors.
      const stored = await api.t.server.deps.integrations.credentials(github.json().integration.id);
      expect(stored).toEqual({ token: 'ghp_SECRET_A_created_in_test' });
    });

    it.each([
      ['no body', undefined],
      ['an unknown kind', { ...githubBody('x'), kind: 'gitlab' }],
      ['no credentials', { kind: 'github', name: 'x', config: { owner: 'acme', repo: 'widgets' } }],
      ['Jira credentials on GitHub', { ...githubBody('x'), credentials: { apiToken: 'SECRET_B_wrong_kind' } }],
      ['an empty token', { ...githubBody('x'), credentials: { token: '' } }],
      ['a Jira config on GitHub', { ...githubBody('x'), config: jiraBody('x').config }],
      ['a repo name with a slash', { ...githubBody('x'), config: { owner: 'acme', repo: 'a/b' } }],
      [
        'a non-http base URL',
        { ...githubBody('x'), config: { owner: 'acme', repo: 'r', baseUrl: 'file:///etc/passwd' } },
      ],
      ['a bad Jira project key', { ...jiraBody('x'), config: { ...jiraBody('x').config, projectKey: 'eng' } }],
      ['a sync interval under 5 minutes', { ...githubBody('x'), syncIntervalMinutes: 1 }],
      ['an unknown field', { ...githubBody('x'), teamId: 1 }],
    ])('rejects %s with 400 E_VALIDATION and adds nothing', async (_label, payload) => {
      const url = `/api/teams/${api.t.ids.teamA}/integrations`;
      const before = (await api.request({ method: 'GET', url, headers: FRESH })).json();
      const response = await api.request({
        method: 'POST',
        url,
        as: 'alice',
        ...(payload !== undefined && { payload }),
      });
      expectError(response, 400, 'E_VALIDATION');
      expect((await api.request({ method: 'GET', url, headers: FRESH })).json()).toEqual(before);
    });

    it('is 403 for a member of another team (nothing added) and 404 for an admin on an unknown team', async () => {
      const url = `/api/teams/${api.t.ids.teamB}/integrations`;
      const before = (await api.request({ method: 'GET', url, headers: FRESH })).json();
      expectError(
        await api.request({ method: 'POST', url, as: 'alice', payload: githubBody('intruder') }),
        403,
        'E_FORBIDDEN',
      );
      expect((await api.request({ method: 'GET', url, headers: FRESH })).json()).toEqual(before);
      expectError(
        await api.request({ method: 'POST', url: '/api/teams/987654/integrations', payload: githubBody('orphan') }),
        404,
        'E_NOT_FOUND',
      );
    });
  });

  describe('GET /api/teams/:teamId/metrics', () => {
    it("returns the team's roll-up with one entry per integration (nothing synced yet)", async () => {
      const response = await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamA}/metrics`, as: 'alice' });
      expect(response.statusCode).toBe(200);
      const metrics = response.json().metrics;
      expect(metrics).toMatchObject({ teamId: api.t.ids.teamA, computedAt: null });
      expect(metrics.integrations).toContainEqual({
        integrationId: api.t.ids.integrationA,
        kind: 'github',
        windowDays: 28,
        computedAt: null,
        metrics: null,
      });
      expect(metrics.rollup).toEqual({});
    });

    it("computes team numbers over the union of its integrations' items, never a mean of their numbers", async () => {
      const team = await createTeam({ name: nameFor('Metrics'), memberIds: [api.t.ids.alice] });
      const ids: number[] = [];
      for (const name of ['m1', 'm2']) {
        const response = await api.request({
          method: 'POST',
          url: `/api/teams/${team.id}/integrations`,
          payload: githubBody(name),
        });
        ids.push(response.json().integration.id);
      }
      // What two syncs leave: each snapshot with the items behind its numbers.
      const at = Date.now() - 86_400_000;
      const merged = (hours: number[], prefix: string) =>
        hours.map((h, i) => [`pull_request:${prefix}${i}`, at, h, null]);
      const deployments = (failed: number[], prefix: string) =>
        failed.map((f, i) => [`deployment:${prefix}${i}`, at, f, f ? 'failed' : null]);
      const sql = api.t.server.deps.database.sql;
      await sql.query(
        'INSERT INTO metric_snapshots (integration_id, window_days, metrics, samples, sample_values) VALUES ($1, 28, $2, $3, $4), ($5, 28, $2, $6, $7)',
        [
          ids[0],
          JSON.stringify({}),
          JSON.stringify({ merged_pull_requests: merged([10], 'a'), production_deployments: deployments([1, 0], 'a') }),
          JSON.stringify({ merged_pull_requests: [10], production_deployments: [1, 0] }),
          ids[1],
          JSON.stringify({
            merged_pull_requests: merged([20, 21, 60], 'b'),
            production_deployments: deployments([0, 0, 0, 0], 'b'),
          }),
          JSON.stringify({ merged_pull_requests: [20, 21, 60], production_deployments: [0, 0, 0, 0] }),
        ],
      );
      const response = await api.request({
        method: 'GET',
        url: `/api/teams/${team.id}/metrics`,
        as: 'alice',
        headers: FRESH,
      });
      expect(response.statusCode).toBe(200);
      const metrics = response.json().metrics;
      // 4 merged in 4 weeks; the median of 10, 20, 21 and 60 h is 20.5 h (a mean of the two
      // medians weighted by count would say 18.25 h); 1 failed of 6 deployments.
      expect(metrics.rollup).toMatchObject({
        prThroughputPerWeek: 1,
        prMergeTimeHours: 20.5,
        mergedPullRequests: 4,
        changeFailureRate: 0.1667,
        deployments: 6,
      });
      expect(metrics.integrations.map((m: { windowDays: number }) => m.windowDays)).toEqual([28, 28]);
      expect(metrics.computedAt).toEqual(expect.any(String));
    });

    it('is 403 for a member of another team and 404 for an admin on an unknown team', async () => {
      expectError(
        await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamA}/metrics`, as: 'bob' }),
        403,
        'E_FORBIDDEN',
      );
      expectError(await api.request({ method: 'GET', url: '/api/teams/987654/metrics' }), 404, 'E_NOT_FOUND');
    });
  });

  it('returned no credentials in any response of this block', () => {
    expect(api.bodies.length).toBeGreaterThan(50);
    expect(api.bodies.flatMap(leaksIn)).toEqual([]);
  });
});
