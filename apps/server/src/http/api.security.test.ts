/**
 * The API's security boundary: credentials bound to their origin, the outbound policy at save
 * and at sync time (a loopback listener never sees a request), no upstream text in any answer,
 * CSRF on cookie-authenticated writes, security headers, /metrics hidden, and hostile input
 * answered with coded 4xx rather than 500.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { integrations, workItems } from '../db/schema.ts';
import { SESSION_COOKIE } from '../http/credentials.ts';
import { OutboundGuard, parseAllowList, type Resolver } from '../security/outbound.ts';
import { sealCredentials } from '../services/integration-credentials.ts';
import { precomputeMetrics } from '../sync/precompute.ts';
import { expectError, serverFor } from '../testing/api-helpers.ts';
import { waitForJob } from '../testing/sync-helpers.ts';

// Two servers start in this file; on a busy machine that can take longer than the default.
vi.setConfig({ hookTimeout: 120_000 });

interface Listener {
  server: Server;
  url: string;
  port: number;
  requests: IncomingMessage[];
}

async function listen(answer: (request: IncomingMessage) => [number, string]): Promise<Listener> {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    const [status, body] = answer(request);
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}`, port, requests };
}

const UPSTREAM_SECRET = 'UPSTREAM-BODY-TEXT-must-not-leak';

// Names resolved by the tests' own table: no DNS.
const resolver: Resolver = async (name) => {
  const table: Record<string, string> = {
    'github.example.com': '140.82.112.6',
    'rebound.example.com': '127.0.0.1',
    'intranet.example.com': '10.1.2.3',
  };
  const address = table[name];
  if (!address) throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

describe('credentials, outbound policy and upstream text (strict policy, embedded)', () => {
  // Nothing private is allowed but the closed port the test server's integrations point at.
  let home: Listener;
  let thief: Listener;
  const api = serverFor('embedded', {
    env: { OUTBOUND_ALLOW: '127.0.0.1:9' },
    sync: { client: { maxAttempts: 1, baseDelayMs: 1 } },
    outbound: new OutboundGuard({ allow: parseAllowList('127.0.0.1:9'), resolve: resolver }),
  });

  beforeAll(async () => {
    home = await listen(() => [404, JSON.stringify({ message: UPSTREAM_SECRET })]);
    thief = await listen(() => [200, '[]']);
  });
  afterAll(async () => {
    for (const l of [home, thief]) if (l) await new Promise((resolve) => l.server.close(resolve));
  });

  const create = (config: Record<string, unknown>, kind: 'github' | 'jira' = 'github') =>
    api.request({
      method: 'POST',
      url: `/api/teams/${api.t.ids.teamA}/integrations`,
      as: 'alice',
      payload:
        kind === 'github'
          ? {
              kind,
              name: `gh ${Math.random()}`,
              config: { owner: 'acme', repo: 'web', ...config },
              credentials: { token: 'ghp_SECRET_A_new' },
            }
          : {
              kind,
              name: `jira ${Math.random()}`,
              config: { projectKey: 'AT', email: 'a@b.example', ...config },
              credentials: { apiToken: 'jira_SECRET_B_new' },
            },
    });

  it.each([
    'http://127.0.0.1',
    'http://[::1]:8080',
    'http://0.0.0.0',
    'http://169.254.169.254',
    'http://10.0.0.1',
    'http://2130706433',
    'http://[::ffff:127.0.0.1]',
    'http://metadata.google.internal',
    'http://localhost:6379',
    'https://rebound.example.com', // a public-looking name that resolves to loopback
    'https://intranet.example.com',
  ])('refuses an integration at %s, on create and on update (E_OUTBOUND_FORBIDDEN)', async (baseUrl) => {
    for (const kind of ['github', 'jira'] as const) {
      const response = await create({ baseUrl }, kind);
      expectError(response, 400, 'E_OUTBOUND_FORBIDDEN');
      expect(response.json().error.message).toMatch(/public internet/);
    }
    const update = await api.request({
      method: 'PATCH',
      url: `/api/integrations/${api.t.ids.integrationA}`,
      as: 'alice',
      payload: { config: { owner: 'acme', repo: 'alpha', baseUrl }, credentials: { token: 'ghp_SECRET_A_x' } },
    });
    expectError(update, 400, 'E_OUTBOUND_FORBIDDEN');
  });

  // Writes a row past the save-time checks, as one stored before the policy would be.
  async function storeDirectly(id: number, config: Record<string, unknown>, credentials: Record<string, string>) {
    const { db, integrations: service } = api.t.server.deps;
    const credentialsEncrypted = sealCredentials(service.vault, id, 'github', config, credentials);
    await db.update(integrations).set({ config, credentialsEncrypted }).where(eq(integrations.id, id));
  }

  it('accepts a public host', async () => {
    expect((await create({ baseUrl: 'https://github.example.com/api/v3' })).statusCode).toBe(201);
    expect((await create({})).statusCode).toBe(201); // api.github.com (not resolvable here: checked at sync time)
  });

  it('refuses a user name or password in a base URL, and never shows one stored before', async () => {
    for (const baseUrl of ['https://user:pass@github.example.com', 'https://token@github.example.com/api/v3']) {
      const refused = await create({ baseUrl });
      expectError(refused, 400, 'E_VALIDATION');
      expect(refused.json().error.message).toMatch(/user name or password/);
    }
    const created = await create({ baseUrl: 'https://github.example.com/api/v3' });
    const id = created.json().integration.id as number;
    const config = { owner: 'acme', repo: 'web', baseUrl: 'https://ops:hunter2@github.example.com/api/v3' };
    await storeDirectly(id, config, { token: 'ghp_SECRET_A_userinfo' });
    await api.t.server.deps.invalidator.after({
      type: 'integration.updated',
      teamId: api.t.ids.teamA,
      integrationId: id,
    });
    const shown = await api.request({ method: 'GET', url: `/api/integrations/${id}`, as: 'alice' });
    expect(shown.json().integration.config.baseUrl).toBe('https://github.example.com/api/v3');
    const listed = await api.request({ method: 'GET', url: `/api/teams/${api.t.ids.teamA}/integrations`, as: 'alice' });
    expect(listed.body).not.toContain('hunter2');
  });

  it('serves only http(s) links for work items, whatever upstream sent', async () => {
    const { db } = api.t.server.deps;
    const links = [
      'javascript:alert(document.cookie)',
      'data:text/html,<script>1</script>',
      'https://github.com/acme/alpha/pull/7',
    ];
    await db.insert(workItems).values(
      links.map((url, i) => ({
        integrationId: api.t.ids.integrationA,
        kind: 'pull_request' as const,
        externalId: `link-${i}`,
        state: 'open',
        createdAt: new Date(Date.now() - i * 60_000),
        data: { url },
      })),
    );
    // The drill-down lists what the newest snapshot was computed from, as a sync leaves it.
    await precomputeMetrics(db, { id: api.t.ids.integrationA, kind: 'github' }, Date.now());
    const page = await api.request({
      method: 'GET',
      url: `/api/teams/${api.t.ids.teamA}/work-items?metric=prWorkInProgress`,
      as: 'alice',
    });
    expect(page.statusCode).toBe(200);
    const urls = page.json().workItems.map((item: { url: string | null }) => item.url);
    expect(urls).toEqual([null, null, 'https://github.com/acme/alpha/pull/7']);
  });

  it('refuses a member who moves an integration to another origin without new credentials', async () => {
    const created = await create({ baseUrl: 'https://github.example.com' });
    const id = created.json().integration.id as number;
    for (const config of [
      { owner: 'acme', repo: 'web', baseUrl: 'https://github.example.com:8443' }, // port
      { owner: 'acme', repo: 'web', baseUrl: 'http://github.example.com' }, // scheme
      { owner: 'acme', repo: 'web', baseUrl: 'https://api.github.example.com' }, // host
      { owner: 'acme', repo: 'web' }, // GitHub Enterprise → github.com
    ]) {
      const response = await api.request({
        method: 'PATCH',
        url: `/api/integrations/${id}`,
        as: 'alice',
        payload: { config },
      });
      expectError(response, 400, 'E_CREDENTIALS_REQUIRED');
    }
    // Same origin, another path or repository: no credentials needed.
    const same = await api.request({
      method: 'PATCH',
      url: `/api/integrations/${id}`,
      as: 'alice',
      payload: { config: { owner: 'acme', repo: 'api', baseUrl: 'https://github.example.com/api/v3' } },
    });
    expect(same.statusCode).toBe(200);
    // With credentials in the same request, the move is allowed.
    const moved = await api.request({
      method: 'PATCH',
      url: `/api/integrations/${id}`,
      as: 'alice',
      payload: { config: { owner: 'acme', repo: 'web' }, credentials: { token: 'ghp_SECRET_A_for_github_com' } },
    });
    expect(moved.statusCode).toBe(200);
    expect(await api.t.server.deps.integrations.credentials(id)).toEqual({ token: 'ghp_SECRET_A_for_github_com' });
  });

  it('never connects to a private address at sync time, even for an integration stored before the policy', async () => {
    // Stored directly (as an old row would be): the sync is refused before any connection.
    const stored = await api.t.server.deps.integrations.createIntegration(api.t.ids.teamA, {
      kind: 'github',
      name: 'old row',
      config: { owner: 'acme', repo: 'web', baseUrl: 'https://github.example.com' },
      credentials: { token: 'ghp_SECRET_A_old' },
    });
    await storeDirectly(stored.id, { owner: 'acme', repo: 'web', baseUrl: thief.url }, { token: 'ghp_SECRET_A_old' });
    await api.t.server.deps.invalidator.after({
      type: 'integration.updated',
      teamId: api.t.ids.teamA,
      integrationId: stored.id,
    });
    const started = await api.request({ method: 'POST', url: `/api/integrations/${stored.id}/sync`, as: 'alice' });
    const job = await waitForJob(api.t, started.json().jobId);
    expect(job.state).toBe('failed');
    expect(String(job.failedReason)).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(thief.requests).toEqual([]);
  });

  it('shows a coded reason, never the upstream body, in last-sync and in the job', async () => {
    const bodies: LightMyRequestResponse[] = [];
    // The one allowed upstream, answering 404 with text of its own.
    const allowing = new OutboundGuard({ allow: parseAllowList(`127.0.0.1:${home.port}`) });
    const { integrations } = api.t.server.deps;
    const saved = await integrations.createIntegration(api.t.ids.teamA, {
      kind: 'github',
      name: 'home',
      config: { owner: 'acme', repo: 'gone', baseUrl: 'https://github.example.com' },
      credentials: { token: 'ghp_SECRET_A_home' },
    });
    await storeDirectly(saved.id, { owner: 'acme', repo: 'gone', baseUrl: home.url }, { token: 'ghp_SECRET_A_home' });
    await api.t.server.deps.invalidator.after({
      type: 'integration.updated',
      teamId: api.t.ids.teamA,
      integrationId: saved.id,
    });
    const { SyncService } = await import('../sync/service.ts');
    const sync = new SyncService(api.t.server.deps, { client: { guard: allowing, maxAttempts: 1 } });
    await expect(sync.fetchAndStore(saved.id, 'job-home', () => {})).rejects.toThrow(
      'GitHub answered 404: repository not found, or the token lacks access to it',
    );
    expect(home.requests).toHaveLength(1);
    bodies.push(await api.request({ method: 'GET', url: `/api/integrations/${saved.id}/last-sync`, as: 'alice' }));
    expect(bodies[0]!.json().lastSync).toMatchObject({
      status: 'failed',
      error: 'GitHub answered 404: repository not found, or the token lacks access to it',
    });
    for (const response of bodies) expect(response.body).not.toContain(UPSTREAM_SECRET);
  });
});

describe('CSRF, headers, /metrics and hostile input (embedded)', () => {
  const api = serverFor('embedded', {
    env: { COOKIE_SECURE: 'true' },
    sync: { client: { maxAttempts: 1, baseDelayMs: 1 } },
  });
  let cookie = '';

  beforeAll(async () => {
    const login = await api.t.server.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'admin@test.local', password: 'admin-password-1' },
    });
    cookie = `${SESSION_COOKIE}=${login.cookies.find((c) => c.name === SESSION_COOKIE)!.value}`;
  });

  const asCookie = (method: 'POST' | 'GET' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string> = {}) =>
    api.request({ method, url, as: null, headers: { cookie, host: 'agiletrack.example', ...headers } });

  it('refuses cross-origin cookie writes (sync, warm, logout) with 403 E_CSRF; a bearer token works', async () => {
    const sync = `/api/integrations/${api.t.ids.integrationA}/sync`;
    for (const url of [sync, '/api/admin/cache/warm', '/api/auth/logout']) {
      const attempts: Record<string, string>[] = [
        { origin: 'https://evil.example' },
        { origin: 'https://agiletrack.example.evil.example' },
        { 'sec-fetch-site': 'same-site', origin: 'https://other.agiletrack.example' },
        { 'sec-fetch-site': 'cross-site' },
        { origin: 'null' },
        {}, // neither header: not a browser form, and not allowed with a cookie
      ];
      for (const headers of attempts) {
        expectError(await asCookie('POST', url, headers), 403, 'E_CSRF');
      }
    }
    // The session survived all of that (logout was refused).
    expect((await asCookie('GET', '/api/me')).statusCode).toBe(200);
    // A bearer token carries no ambient authority: no Origin needed.
    expect((await api.request({ method: 'POST', url: sync, as: 'admin' })).statusCode).toBe(202);
    expect(
      (await api.request({ method: 'POST', url: sync, as: 'admin', headers: { origin: 'https://evil.example' } }))
        .statusCode,
    ).toBe(202);
    // The app's own pages: same origin.
    expect((await asCookie('POST', sync, { origin: 'https://agiletrack.example' })).statusCode).toBe(202);
    expect((await asCookie('POST', sync, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(202);
    // With COOKIE_SECURE=true an http origin is not the app's.
    expectError(await asCookie('POST', sync, { origin: 'http://agiletrack.example' }), 403, 'E_CSRF');
  });

  it('refuses a login posted from another site, but not one from a script', async () => {
    const payload = { email: 'bob@test.local', password: 'bob-password-1' };
    expectError(
      await api.request({
        method: 'POST',
        url: '/api/auth/login',
        as: null,
        payload,
        headers: { origin: 'https://evil.example' },
      }),
      403,
      'E_CSRF',
    );
    expect((await api.request({ method: 'POST', url: '/api/auth/login', as: null, payload })).statusCode).toBe(200);
  });

  it('guards the route the router reaches, however its path is encoded', async () => {
    // The router decodes `%61` to `a`: these reach logout and login, and get their guards.
    for (const url of ['/%61pi/auth/logout', '/api/auth/%6cogout']) {
      expectError(await asCookie('POST', url, { 'sec-fetch-site': 'cross-site' }), 403, 'E_CSRF');
    }
    expect((await asCookie('GET', '/api/me')).statusCode).toBe(200);
    const payload = { email: 'bob@test.local', password: 'bob-password-1' };
    for (const url of ['/%61pi/auth/login', '/api/auth/l%6Fgin']) {
      const response = await api.request({
        method: 'POST',
        url,
        as: null,
        payload,
        headers: { origin: 'https://evil.example' },
      });
      expectError(response, 403, 'E_CSRF');
    }
    expectError(await api.request({ method: 'GET', url: '/%61pi/me', as: null }), 401, 'E_UNAUTHENTICATED');
  });

  it('puts security headers on every response, HSTS with COOKIE_SECURE=true', async () => {
    for (const response of [
      await api.request({ method: 'GET', url: '/api/teams' }),
      await api.request({ method: 'GET', url: '/api/nothing' }),
      await api.request({ method: 'GET', url: '/api/teams', as: null }),
      await api.request({ method: 'GET', url: '/api/health', as: null }),
      await api.request({ method: 'GET', url: '/metrics', as: null }),
    ]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('same-origin');
      expect(response.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    }
  });

  it('puts them on event streams and the API documentation too', async () => {
    const expectHeaders = (headers: Record<string, unknown>, what: string) => {
      expect(headers['x-content-type-options'], what).toBe('nosniff');
      expect(headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
      expect(headers['x-frame-options'], what).toBe('DENY');
      expect(headers['referrer-policy'], what).toBe('same-origin');
      expect(headers['strict-transport-security'], what).toMatch(/^max-age=\d+/);
    };
    const address = await api.t.server.app.listen({ port: 0, host: '127.0.0.1' });
    for (const path of ['/api/events', '/api/admin/cache/monitor']) {
      const abort = new AbortController();
      const response = await fetch(`${address}${path}`, {
        headers: { authorization: `Bearer ${api.t.tokens.admin}` },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      expectHeaders(Object.fromEntries(response.headers), path);
      abort.abort();
    }
    for (const path of [
      '/api/docs',
      '/api/docs/',
      '/api/docs/static/index.html',
      '/api/docs/json',
      '/api/openapi.json',
    ]) {
      const response = await api.request({ method: 'GET', url: path, as: null });
      expect(response.statusCode, path).toBeLessThan(400);
      expectHeaders(response.headers, path);
    }
  });

  it('hides /metrics when no METRICS_TOKEN is configured', async () => {
    expectError(await api.request({ method: 'GET', url: '/metrics', as: null }), 404, 'E_NOT_FOUND');
    expectError(await api.request({ method: 'GET', url: '/metrics', as: 'admin' }), 404, 'E_NOT_FOUND');
  });

  it('answers NUL bytes and control characters in any text field with 400 naming the field', async () => {
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
      ['POST', '/api/teams', { name: 'Team\u0000A' }, /name: must not contain control characters/],
      ['POST', '/api/teams', { name: 'ok', description: 'bell\u0007' }, /description:/],
      [
        'POST',
        `/api/teams/${api.t.ids.teamA}/integrations`,
        {
          kind: 'github',
          name: 'repo\u0000',
          config: { owner: 'acme', repo: 'web' },
          credentials: { token: 'ghp_SECRET_A_nul' },
        },
        /name: must not contain/,
      ],
      ['PATCH', `/api/integrations/${api.t.ids.integrationA}`, { name: '\u001b[31mred' }, /name: must not contain/],
      ['POST', '/api/auth/login', { email: 'admin@test.local\u0000', password: 'x' }, /email: must not contain/],
    ];
    for (const [method, url, payload, message] of cases) {
      const response = await api.request({ method: method as 'POST', url, payload, as: 'admin' });
      expectError(response, 400, 'E_VALIDATION');
      expect(response.json().error.message).toMatch(message);
    }
  });

  it('answers ids past the integer range with 400, not 500', async () => {
    for (const memberIds of [[2_147_483_648], [1, 9_007_199_254_740_991]]) {
      const response = await api.request({
        method: 'POST',
        url: '/api/teams',
        payload: { name: 'big ids', memberIds },
      });
      expectError(response, 400, 'E_VALIDATION');
      expect(response.json().error.message).toMatch(/memberIds\.\d: must be an id from 1 to 2147483647/);
    }
    const patch = await api.request({
      method: 'PATCH',
      url: `/api/teams/${api.t.ids.teamA}`,
      payload: { memberIds: [2_147_483_648] },
    });
    expectError(patch, 400, 'E_VALIDATION');
  });

  it("answers Fastify's own refusals in the API's error shape", async () => {
    const badJson = await api.request({
      method: 'POST',
      url: '/api/teams',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expectError(badJson, 400, 'E_BAD_REQUEST');
  });
});
