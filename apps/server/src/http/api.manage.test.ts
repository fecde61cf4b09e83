/**
 * Managing a team from the API: members by e-mail, Test connection (before create and for a stored
 * integration, against the simulator), credential rotation, and the audit log that records each
 * change — in the three configurations.
 */
import {
  createSimulator,
  DEFAULT_GITHUB_TOKEN,
  DEFAULT_JIRA_CREDENTIALS,
  type Simulator,
} from '@agiletrack/api-simulator';
import { AuditPage, ConnectionTestSchema, IntegrationPage, MemberPage, TeamPage } from '@agiletrack/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, leaksIn, serverFor } from '../testing/api-helpers.ts';
import { TEST_MODES } from '../testing/harness.ts';

let unique = 0;
const nameFor = (label: string) => `${label} ${++unique} ${Math.random().toString(36).slice(2, 8)}`;

describe.each(TEST_MODES)('team management and audit (%s)', (mode) => {
  const api = serverFor(mode);
  let sim: Simulator;
  beforeAll(async () => {
    sim = await createSimulator({ dataset: 'fixed' });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const github = (token = DEFAULT_GITHUB_TOKEN, repo = 'web') => ({
    kind: 'github',
    name: nameFor('gh'),
    config: { owner: 'acme', repo, baseUrl: sim.url },
    credentials: { token },
  });

  async function newTeam(): Promise<number> {
    const response = await api.request({ method: 'POST', url: '/api/teams', payload: { name: nameFor('Managed') } });
    expect(response.statusCode).toBe(201);
    return response.json().team.id;
  }

  describe('members', () => {
    it('adds and removes members by e-mail; the member gains and loses access at once', async () => {
      const teamId = await newTeam();
      const url = `/api/teams/${teamId}/members`;
      expectError(await api.request({ method: 'GET', url: `/api/teams/${teamId}`, as: 'bob' }), 403, 'E_FORBIDDEN');
      const added = await api.request({ method: 'POST', url, payload: { email: 'BOB@test.local' } });
      expect(added.statusCode).toBe(201);
      expect(added.json().member).toEqual({
        userId: api.t.ids.bob,
        name: 'Bob',
        email: 'bob@test.local',
        active: true,
      });
      expect(
        (await api.request({ method: 'GET', url: `/api/teams/${teamId}`, as: 'bob' })).json().team.memberIds,
      ).toEqual([api.t.ids.bob]);
      await api.request({ method: 'POST', url, payload: { email: 'alice@test.local' } });
      const list = MemberPage.parse((await api.request({ method: 'GET', url, as: 'bob' })).json());
      expect(list.members.map((m) => m.email)).toEqual(['alice@test.local', 'bob@test.local']);
      const paged = MemberPage.parse((await api.request({ method: 'GET', url: `${url}?limit=1` })).json());
      expect(paged.members).toHaveLength(1);
      const next = MemberPage.parse(
        (await api.request({ method: 'GET', url: `${url}?limit=1&cursor=${paged.nextCursor}` })).json(),
      );
      expect(next.members.map((m) => m.email)).toEqual(['bob@test.local']);
      expect(next.nextCursor).toBeNull();

      expectError(await api.request({ method: 'POST', url, payload: { email: 'bob@test.local' } }), 409, 'E_CONFLICT');
      const removed = await api.request({ method: 'DELETE', url: `${url}/${api.t.ids.bob}` });
      expect(removed.statusCode).toBe(204);
      expectError(await api.request({ method: 'GET', url: `/api/teams/${teamId}`, as: 'bob' }), 403, 'E_FORBIDDEN');
      expectError(await api.request({ method: 'DELETE', url: `${url}/${api.t.ids.bob}` }), 404, 'E_NOT_FOUND');
    });

    it('answers 400, 401, 403 and 404 where they apply', async () => {
      const url = `/api/teams/${api.t.ids.teamA}/members`;
      expectError(await api.request({ method: 'POST', url, payload: { email: 'not-an-email' } }), 400, 'E_VALIDATION');
      expectError(
        await api.request({ method: 'POST', url, payload: { email: 'nobody@test.local' } }),
        404,
        'E_NOT_FOUND',
      );
      expectError(
        await api.request({ method: 'POST', url: '/api/teams/987654/members', payload: { email: 'bob@test.local' } }),
        404,
        'E_NOT_FOUND',
      );
      // A member sees their team's members but may not change them.
      expect((await api.request({ method: 'GET', url, as: 'alice' })).statusCode).toBe(200);
      expectError(
        await api.request({ method: 'POST', url, as: 'alice', payload: { email: 'bob@test.local' } }),
        403,
        'E_FORBIDDEN',
      );
      expectError(await api.request({ method: 'GET', url, as: 'bob' }), 403, 'E_FORBIDDEN');
      expectError(await api.request({ method: 'GET', url, as: null }), 401, 'E_UNAUTHENTICATED');
      expectError(await api.request({ method: 'GET', url: `${url}?cursor=zzz` }), 400, 'E_VALIDATION');
    });
  });

  describe('lists are paginated', () => {
    it('pages teams and integrations with a cursor', async () => {
      const first = TeamPage.parse((await api.request({ method: 'GET', url: '/api/teams?limit=1' })).json());
      expect(first.teams).toHaveLength(1);
      const second = TeamPage.parse(
        (await api.request({ method: 'GET', url: `/api/teams?limit=1&cursor=${first.nextCursor}` })).json(),
      );
      expect(second.teams[0]!.id).toBeGreaterThan(first.teams[0]!.id);
      const all = IntegrationPage.parse(
        (await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamA}/integrations` })).json(),
      );
      expect(all.nextCursor).toBeNull();
      expectError(await api.request({ method: 'GET', url: '/api/teams?limit=0' }), 400, 'E_VALIDATION');
    });
  });

  describe('Test connection', () => {
    it('reports success, refused credentials and an unknown repository before anything is created', async () => {
      const url = `/api/teams/${api.t.ids.teamA}/integrations/test`;
      const before = (await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamA}/integrations` })).json();
      const ok = ConnectionTestSchema.parse(
        (await api.request({ method: 'POST', url, as: 'alice', payload: github() })).json(),
      );
      expect(ok).toMatchObject({ ok: true, problem: null });
      const badToken = ConnectionTestSchema.parse(
        (await api.request({ method: 'POST', url, payload: github('ghp_wrong_token_SECRET_A') })).json(),
      );
      expect(badToken).toMatchObject({ ok: false, problem: 'auth' });
      const missing = ConnectionTestSchema.parse(
        (await api.request({ method: 'POST', url, payload: github(undefined, 'nope') })).json(),
      );
      expect(missing).toMatchObject({ ok: false, problem: 'not_found' });
      const jira = ConnectionTestSchema.parse(
        (
          await api.request({
            method: 'POST',
            url,
            payload: {
              kind: 'jira',
              name: 'j',
              config: { baseUrl: sim.url, projectKey: 'AT', email: DEFAULT_JIRA_CREDENTIALS.email },
              credentials: { apiToken: DEFAULT_JIRA_CREDENTIALS.apiToken },
            },
          })
        ).json(),
      );
      expect(jira).toMatchObject({ ok: true });
      expect((await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamA}/integrations` })).json()).toEqual(
        before,
      );
      expectError(await api.request({ method: 'POST', url, payload: { kind: 'github' } }), 400, 'E_VALIDATION');
      expectError(await api.request({ method: 'POST', url, as: 'bob', payload: github() }), 403, 'E_FORBIDDEN');
      expectError(await api.request({ method: 'POST', url, as: null, payload: github() }), 401, 'E_UNAUTHENTICATED');
    });

    it('tests a stored integration, and new credentials before a rotation', async () => {
      const created = await api.request({
        method: 'POST',
        url: `/api/teams/${api.t.ids.teamA}/integrations`,
        payload: github(),
      });
      const id = created.json().integration.id as number;
      const url = `/api/integrations/${id}/test`;
      expect((await api.request({ method: 'POST', url, as: 'alice' })).json()).toMatchObject({ ok: true });
      const wrong = await api.request({
        method: 'POST',
        url,
        payload: { credentials: { token: 'ghp_SECRET_A_wrong' } },
      });
      expect(wrong.json()).toMatchObject({ ok: false, problem: 'auth' });
      expect(leaksIn(wrong.body)).toEqual([]);
      expectError(
        await api.request({ method: 'POST', url, payload: { credentials: { apiToken: 'x' } } }),
        400,
        'E_VALIDATION',
      );
      expectError(await api.request({ method: 'POST', url, as: 'bob' }), 403, 'E_FORBIDDEN');
      expectError(await api.request({ method: 'POST', url: '/api/integrations/987654/test' }), 404, 'E_NOT_FOUND');
      expectError(await api.request({ method: 'POST', url, as: null }), 401, 'E_UNAUTHENTICATED');
    });
  });

  describe('the audit log', () => {
    it('records who changed what, from where, with non-secret fields before and after', async () => {
      const name = nameFor('Audited');
      const team = (await api.request({ method: 'POST', url: '/api/teams', payload: { name } })).json().team;
      await api.request({ method: 'PATCH', url: `/api/teams/${team.id}`, as: 'admin', payload: { name: `${name} 2` } });
      const integration = (
        await api.request({ method: 'POST', url: `/api/teams/${team.id}/integrations`, payload: github() })
      ).json().integration;
      await api.request({
        method: 'PATCH',
        url: `/api/integrations/${integration.id}`,
        payload: { credentials: { token: 'ghp_SECRET_A_rotated' } },
      });
      await api.request({ method: 'DELETE', url: `/api/integrations/${integration.id}` });

      const teamLog = AuditPage.parse(
        (await api.request({ method: 'GET', url: `/api/admin/audit?entity=team&entityId=${team.id}` })).json(),
      );
      expect(teamLog.entries.map((e) => e.action)).toEqual(['team.update', 'team.create']);
      expect(teamLog.entries[0]).toMatchObject({
        actorId: api.t.ids.admin,
        actorEmail: 'admin@test.local',
        address: '127.0.0.1',
        before: { name },
        after: { name: `${name} 2` },
      });
      const integrationLog = await api.request({
        method: 'GET',
        url: `/api/admin/audit?entity=integration&entityId=${integration.id}`,
      });
      const entries = AuditPage.parse(integrationLog.json()).entries;
      // Connecting issues the webhook secret, recorded as its own change (never its value).
      expect(entries.map((e) => e.action)).toEqual([
        'integration.delete',
        'integration.rotate',
        'integration.webhook_secret',
        'integration.create',
      ]);
      expect(entries[1]!.after).toMatchObject({ credentialsReplaced: true });
      expect(integrationLog.body).not.toContain('SECRET');
      expect(integrationLog.body).not.toContain(DEFAULT_GITHUB_TOKEN);
    });

    it('filters by actor and action, pages newest first, and is for admins only', async () => {
      await api.request({ method: 'POST', url: '/api/me/tokens', as: 'alice', payload: { name: nameFor('t') } });
      await api.request({ method: 'POST', url: '/api/me/tokens', as: 'alice', payload: { name: nameFor('t') } });
      const url = `/api/admin/audit?actorId=${api.t.ids.alice}&action=token.create&limit=1`;
      const first = AuditPage.parse((await api.request({ method: 'GET', url })).json());
      expect(first.entries).toHaveLength(1);
      expect(first.entries[0]).toMatchObject({ actorId: api.t.ids.alice, action: 'token.create', entity: 'api_token' });
      const second = AuditPage.parse(
        (await api.request({ method: 'GET', url: `${url}&cursor=${first.nextCursor}` })).json(),
      );
      expect(second.entries[0]!.id).toBeLessThan(first.entries[0]!.id);
      const since = new Date(Date.now() + 60_000).toISOString();
      const none = AuditPage.parse(
        (await api.request({ method: 'GET', url: `/api/admin/audit?since=${since}` })).json(),
      );
      expect(none).toEqual({ entries: [], nextCursor: null });

      expectError(await api.request({ method: 'GET', url: '/api/admin/audit', as: 'alice' }), 403, 'E_FORBIDDEN');
      expectError(await api.request({ method: 'GET', url: '/api/admin/audit', as: null }), 401, 'E_UNAUTHENTICATED');
      expectError(await api.request({ method: 'GET', url: '/api/admin/audit?entity=planet' }), 400, 'E_VALIDATION');
      expectError(await api.request({ method: 'GET', url: '/api/admin/audit?since=yesterday' }), 400, 'E_VALIDATION');
      expectError(await api.request({ method: 'GET', url: '/api/admin/audit?cursor=c1.x' }), 400, 'E_VALIDATION');
    });

    it('writes nothing when the change fails', async () => {
      const before = AuditPage.parse((await api.request({ method: 'GET', url: '/api/admin/audit?limit=1' })).json());
      expectError(
        await api.request({ method: 'POST', url: '/api/teams', payload: { name: 'Team A' } }),
        409,
        'E_CONFLICT',
      );
      const after = AuditPage.parse((await api.request({ method: 'GET', url: '/api/admin/audit?limit=1' })).json());
      expect(after.entries[0]!.id).toBe(before.entries[0]!.id);
    });

    it('returned no credentials in any response of this block', () => {
      expect(api.bodies.flatMap(leaksIn)).toEqual([]);
    });
  });
});
