/**
 * Authentication across the API: login with an httpOnly session cookie,
 * logout, GET /api/me, the public routes (health, Prometheus), and a 401 with the JSON error
 * body on every protected route for a missing, malformed, unknown or logged-out credential.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { expectError, leaksIn, type RequestOptions, serverFor, tableRequests } from '../testing/api-helpers.ts';
import { TEST_MODES } from '../testing/harness.ts';

// A token of the right shape (43 base64url characters) that names no session or API token.
const UNKNOWN_TOKEN = 'A'.repeat(43);
const SESSION_COOKIE = 'agiletrack_session';

const METRICS_TOKEN = 'metrics-token-for-the-scraper';
const JOB = '00000000-0000-4000-8000-000000000000';

describe.each(TEST_MODES)('authentication (%s)', (mode) => {
  const api = serverFor(mode, { env: { METRICS_TOKEN } });

  /** Every route of the table that needs a login, for the 401 matrix. */
  function protectedRoutes(): RequestOptions[] {
    const { teamA, integrationA, alice } = api.t.ids;
    const ids = { teamId: teamA, integrationId: integrationA, userId: alice, tokenId: 1, jobId: JOB, goalId: 1 };
    return tableRequests(ids, (spec) => spec.access === 'user' || spec.access === 'admin');
  }

  async function login(email: string, password: string) {
    return api.request({ method: 'POST', url: '/api/auth/login', as: null, payload: { email, password } });
  }

  function sessionOf(response: LightMyRequestResponse): string {
    const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return cookie!.value;
  }

  it('logs in with a password and sets an httpOnly session cookie that authenticates GET /api/me', async () => {
    const response = await login('alice@test.local', 'alice-password-1');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      user: {
        userId: api.t.ids.alice,
        email: 'alice@test.local',
        name: 'Alice',
        role: 'member',
        teamIds: [api.t.ids.teamA],
      },
    });
    const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, path: '/', sameSite: 'Lax', maxAge: 7 * 24 * 3600 });
    expect(cookie?.secure).toBeFalsy(); // plain http, COOKIE_SECURE=auto
    // The token is only in the cookie, not in the body a script could read.
    expect(response.body).not.toContain(cookie!.value);

    const me = await api.request({
      method: 'GET',
      url: '/api/me',
      as: null,
      headers: { cookie: `${SESSION_COOKIE}=${cookie!.value}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({ userId: api.t.ids.alice, email: 'alice@test.local', role: 'member' });
  });

  it('accepts the email in any letter case', async () => {
    const response = await login('ALICE@Test.Local', 'alice-password-1');
    expect(response.statusCode).toBe(200);
    expect(response.json().user.userId).toBe(api.t.ids.alice);
  });

  it('refuses a wrong password and an unknown email alike, with 401 and no cookie', async () => {
    const wrong = await login('alice@test.local', 'not-her-password');
    expectError(wrong, 401, 'E_UNAUTHENTICATED');
    expect(wrong.cookies).toEqual([]);
    const unknown = await login('nobody@test.local', 'alice-password-1');
    expectError(unknown, 401, 'E_UNAUTHENTICATED');
    expect(unknown.cookies).toEqual([]);
    // Same answer, so the response does not tell which emails exist.
    expect(unknown.json()).toEqual(wrong.json());
  });

  it.each([
    ['no body', undefined],
    ['no password', { email: 'alice@test.local' }],
    ['an empty password', { email: 'alice@test.local', password: '' }],
    ['a number as email', { email: 42, password: 'alice-password-1' }],
    ['an unknown field', { email: 'alice@test.local', password: 'alice-password-1', remember: true }],
  ])('rejects a login with %s as E_VALIDATION', async (_name, payload) => {
    const response = await api.request({
      method: 'POST',
      url: '/api/auth/login',
      as: null,
      ...(payload !== undefined && { payload }),
    });
    expectError(response, 400, 'E_VALIDATION');
    expect(response.cookies).toEqual([]);
  });

  it('rejects a malformed JSON body with a coded 400', async () => {
    const response = await api.request({
      method: 'POST',
      url: '/api/auth/login',
      as: null,
      headers: { 'content-type': 'application/json' },
      payload: '{"email": "alice@test.local", ',
    });
    expectError(response, 400, 'E_BAD_REQUEST');
  });

  it('rejects an oversized body with 413 and a non-JSON body with 415, both coded', async () => {
    const big = await api.request({
      method: 'POST',
      url: '/api/auth/login',
      as: null,
      payload: { email: 'alice@test.local', password: 'x'.repeat(300 * 1024) },
    });
    expectError(big, 413, 'E_PAYLOAD_TOO_LARGE');
    const text = await api.request({
      method: 'POST',
      url: '/api/auth/login',
      as: null,
      headers: { 'content-type': 'text/xml' },
      payload: '<login/>',
    });
    expectError(text, 415, 'E_UNSUPPORTED_MEDIA_TYPE');
  });

  it('logs out: the cookie is cleared and no longer authenticates', async () => {
    const token = sessionOf(await login('bob@test.local', 'bob-password-1'));
    const cookie = `${SESSION_COOKIE}=${token}`;
    // Authenticate once so the session's principal is cached: logout must drop that copy too.
    expect((await api.request({ method: 'GET', url: '/api/me', as: null, headers: { cookie } })).statusCode).toBe(200);
    expect((await api.request({ method: 'GET', url: '/api/me', as: null, headers: { cookie } })).statusCode).toBe(200);

    const logout = await api.request({
      method: 'POST',
      url: '/api/auth/logout',
      as: null,
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(logout.statusCode).toBe(204);
    expect(logout.body).toBe('');
    const cleared = logout.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cleared?.value).toBe('');
    expect(cleared?.expires?.getTime() ?? 0).toBeLessThan(Date.now());

    expectError(
      await api.request({ method: 'GET', url: '/api/me', as: null, headers: { cookie } }),
      401,
      'E_UNAUTHENTICATED',
    );
    expectError(
      await api.request({ method: 'GET', url: '/api/teams', as: null, headers: { cookie } }),
      401,
      'E_UNAUTHENTICATED',
    );
  });

  it('logout with a bearer token only ends nothing: the API token keeps working', async () => {
    const logout = await api.request({ method: 'POST', url: '/api/auth/logout', as: 'alice' });
    expect(logout.statusCode).toBe(204);
    expect((await api.request({ method: 'GET', url: '/api/me', as: 'alice' })).statusCode).toBe(200);
  });

  it('GET /api/me returns the caller of an API token', async () => {
    const admin = await api.request({ method: 'GET', url: '/api/me', as: 'admin' });
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toEqual({
      user: { userId: api.t.ids.admin, email: 'admin@test.local', name: 'Admin', role: 'admin', teamIds: [] },
    });
    const bob = await api.request({ method: 'GET', url: '/api/me', as: 'bob' });
    expect(bob.json().user).toMatchObject({ userId: api.t.ids.bob, role: 'member', teamIds: [api.t.ids.teamB] });
  });

  describe('401 on every protected route', () => {
    const credentials: [string, Record<string, string>][] = [
      ['no credentials', {}],
      ['a malformed bearer token', { authorization: 'Bearer not-a-token' }],
      ['an unknown bearer token', { authorization: `Bearer ${UNKNOWN_TOKEN}` }],
      [
        'a non-bearer authorization scheme',
        { authorization: `Basic ${Buffer.from('alice@test.local:alice-password-1').toString('base64')}` },
      ],
      ['an unknown session cookie', { cookie: `${SESSION_COOKIE}=${UNKNOWN_TOKEN}` }],
      ['a malformed session cookie', { cookie: `${SESSION_COOKIE}=x` }],
    ];

    it.each(credentials)('with %s', async (_name, headers) => {
      const routes = protectedRoutes();
      for (const route of routes) {
        const response = await api.request({ ...route, as: null, headers });
        expect({ route: `${route.method} ${route.url}`, status: response.statusCode }).toEqual({
          route: `${route.method} ${route.url}`,
          status: 401,
        });
        expectError(response, 401, 'E_UNAUTHENTICATED');
      }
      // Nothing was written by the refused requests.
      const team = await api.request({
        method: 'GET',
        url: `/api/teams/${api.t.ids.teamA}`,
        headers: { 'cache-control': 'no-cache' },
      });
      expect(team.json().team.name).toBe('Team A');
      const integration = await api.request({
        method: 'GET',
        url: `/api/integrations/${api.t.ids.integrationA}`,
        headers: { 'cache-control': 'no-cache' },
      });
      expect(integration.json().integration.name).toBe('A repo');
    });
  });

  it('serves GET /api/health without a login', async () => {
    const response = await api.request({ method: 'GET', url: '/api/health', as: null });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      mode: { database: mode === 'embedded' ? 'pglite' : 'postgres', cache: mode === 'redis' ? 'redis' : 'database' },
      checks:
        mode === 'redis'
          ? { database: 'ok', redis: 'ok', bus: 'ok' }
          : mode === 'postgres'
            ? { database: 'ok', bus: 'ok' }
            : { database: 'ok' },
      bus: { healthy: true, downs: 0 },
    });
  });

  it('serves Prometheus metrics on GET /metrics to METRICS_TOKEN, with the cache counters per tier', async () => {
    await api.request({ method: 'GET', url: '/api/teams' });
    await api.request({ method: 'GET', url: '/api/teams' });
    expectError(await api.request({ method: 'GET', url: '/metrics', as: null }), 401, 'E_UNAUTHENTICATED');
    const response = await api.request({
      method: 'GET',
      url: '/metrics',
      as: null,
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('# TYPE agiletrack_cache_hits_total counter');
    const l2 = mode === 'redis' ? 'redis' : 'postgres';
    for (const tier of ['memory', l2])
      expect(response.body).toMatch(new RegExp(`^agiletrack_cache_hits_total\\{tier="${tier}"\\} \\d+$`, 'm'));
    const memoryHits = Number(/^agiletrack_cache_hits_total\{tier="memory"\} (\d+)$/m.exec(response.body)?.[1]);
    expect(memoryHits).toBeGreaterThan(0);
    expect(response.body).toMatch(/^agiletrack_cache_factory_calls_total \d+$/m);
    expect(response.body).toContain('agiletrack_process_cpu_user_seconds_total');
  });

  it('answers an unknown route with a coded 404', async () => {
    expectError(await api.request({ method: 'GET', url: '/api/nothing-here' }), 404, 'E_NOT_FOUND');
    expectError(
      await api.request({ method: 'PUT', url: `/api/teams/${api.t.ids.teamA}`, payload: {} }),
      404,
      'E_NOT_FOUND',
    );
  });

  it('returned no credentials in any response of this block', () => {
    expect(api.bodies.length).toBeGreaterThan(50);
    expect(api.bodies.flatMap(leaksIn)).toEqual([]);
  });
});
