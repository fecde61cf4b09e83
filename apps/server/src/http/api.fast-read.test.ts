/**
 * The fast path of cached reads (fast-read.ts): a memory-tier hit is answered inside the
 * authentication hook, with the same status, body, ETag and headers as the ordinary path, and
 * the 401/403 matrix of the route table holds for both roles whether the cache is warm or not.
 */
import { API_ROUTES, DEFAULT_METRIC_WINDOW } from '@agiletrack/domain';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { expectError, FRESH, type RequestOptions, serverFor, tableRequests } from '../testing/api-helpers.ts';
import type { TestUser } from '../testing/harness.ts';

const label = (route: RequestOptions) => `${route.method} ${route.url}`;

/** The headers a client sees, without the ones Node adds per response. */
function headersOf(response: LightMyRequestResponse): Record<string, unknown> {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = response.headers;
  return rest;
}

/** The routes with a fast path. */
const FAST = new Set(['metrics.team', 'teams.get']);

/** Every cached read of the table (it answers 304). */
const CACHED = new Set(API_ROUTES.filter((spec) => 304 in spec.responses).map((spec) => spec.id));

describe.each(['embedded', 'redis'] as const)('the fast path of cached reads (%s)', (mode) => {
  const api = serverFor(mode);
  const served = () => api.t.server.app.fastReads.served;
  const metricsUrl = () => `/api/teams/${api.t.ids.teamA}/metrics`;

  it.each([
    { route: 'metrics.team', path: () => metricsUrl(), query: `windowDays=${DEFAULT_METRIC_WINDOW}` },
    { route: 'teams.get', path: () => `/api/teams/${api.t.ids.teamA}`, query: 'ordinary=1' },
  ])(
    'answers a memory-tier hit of $route with the ordinary path’s status, body, ETag and headers',
    async ({ path, query }) => {
      const url = path();
      await api.request({ method: 'GET', url, as: 'alice' });
      for (const encoding of [undefined, 'gzip', 'br', 'gzip, deflate, br']) {
        const headers = encoding === undefined ? {} : { 'accept-encoding': encoding };
        // The same cached entry through the ordinary path: a query sends it there.
        const before = served();
        const ordinary = await api.request({
          method: 'GET',
          url: `${url}?${query}`,
          as: 'alice',
          headers,
        });
        expect(served()).toBe(before);
        const fast = await api.request({ method: 'GET', url, as: 'alice', headers });
        expect(served()).toBe(before + 1);
        expect(ordinary.statusCode).toBe(200);
        expect(ordinary.headers['x-cache']).toBe('HIT');
        expect({ status: fast.statusCode, body: fast.rawPayload, headers: headersOf(fast) }).toEqual({
          status: ordinary.statusCode,
          body: ordinary.rawPayload,
          headers: headersOf(ordinary),
        });

        // A revalidation: the same 304 either way.
        const etag = { ...headers, 'if-none-match': String(fast.headers.etag) };
        const ordinary304 = await api.request({
          method: 'GET',
          url: `${url}?${query}`,
          as: 'alice',
          headers: etag,
        });
        const fast304 = await api.request({ method: 'GET', url, as: 'alice', headers: etag });
        expect(served()).toBe(before + 2);
        expect({ status: fast304.statusCode, body: fast304.body, headers: headersOf(fast304) }).toEqual({
          status: 304,
          body: '',
          headers: headersOf(ordinary304),
        });
      }
    },
  );

  it('leaves forced refreshes, HEAD and misses to the ordinary path', async () => {
    await api.request({ method: 'GET', url: metricsUrl(), as: 'admin' });
    const before = served();
    const fresh = await api.request({ method: 'GET', url: metricsUrl(), as: 'admin', headers: FRESH });
    expect(fresh.headers['x-cache']).toBe('BYPASS');
    const head = await api.request({ method: 'HEAD', url: metricsUrl(), as: 'admin' });
    expect(head.statusCode).toBe(200);
    // A miss (team B's metrics, never read before): the ordinary path reads and fills it.
    const teamB = `/api/teams/${api.t.ids.teamB}/metrics`;
    const miss = await api.request({ method: 'GET', url: teamB, as: 'admin' });
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(served()).toBe(before);
    const hit = await api.request({ method: 'GET', url: teamB, as: 'admin' });
    expect({ status: hit.statusCode, cache: hit.headers['x-cache'], served: served() }).toEqual({
      status: 200,
      cache: 'HIT',
      served: before + 1,
    });
  });

  it('steps aside while the operation monitor listens, so it sees the principal’s and the value’s reads', async () => {
    await api.request({ method: 'GET', url: metricsUrl(), as: 'alice' });
    const seen: string[] = [];
    const detach = api.t.server.deps.ops.tap.add((op) => seen.push(`${op.op} ${op.outcome} ${op.key}`));
    const before = served();
    try {
      const watched = await api.request({ method: 'GET', url: metricsUrl(), as: 'alice' });
      expect({ status: watched.statusCode, cache: watched.headers['x-cache'] }).toEqual({ status: 200, cache: 'HIT' });
    } finally {
      detach();
    }
    expect(served()).toBe(before);
    expect(seen).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^getOrSet hit .*token_/),
        expect.stringMatching(new RegExp(`^getOrSet hit .*team_${api.t.ids.teamA}_metrics$`)),
      ]),
    );
    await api.request({ method: 'GET', url: metricsUrl(), as: 'alice' });
    expect(served()).toBe(before + 1);
  });

  it('serves a session cookie’s caller too', async () => {
    const login = await api.request({
      method: 'POST',
      url: '/api/auth/login',
      as: null,
      payload: { email: 'alice@test.local', password: 'alice-password-1' },
    });
    const cookie = login.cookies.find((c) => c.name === 'agiletrack_session');
    expect(cookie).toBeDefined();
    const headers = { cookie: `agiletrack_session=${cookie!.value}` };
    await api.request({ method: 'GET', url: metricsUrl(), as: null, headers });
    const before = served();
    const again = await api.request({ method: 'GET', url: metricsUrl(), as: null, headers });
    expect({ status: again.statusCode, served: served() }).toEqual({ status: 200, served: before + 1 });
  });

  describe.each([
    { user: 'admin', role: 'admin' },
    { user: 'alice', role: 'member' },
  ] as const)('the 401/403 matrix with a warm cache ($role)', ({ user }: { user: TestUser }) => {
    it('answers every protected route as the ordinary path does, cached reads through the fast path', async () => {
      const ids = {
        teamId: api.t.ids.teamB,
        integrationId: api.t.ids.integrationB,
        userId: api.t.ids.bob,
        tokenId: 1,
        jobId: '00000000-0000-4000-8000-000000000000',
        goalId: 999_999,
      };
      // Event streams stay open: their access is the same hook's, checked by api.auth.test.ts.
      const routes = tableRequests(
        ids,
        (spec) => (spec.access === 'user' || spec.access === 'admin') && spec.produces !== 'text/event-stream',
      );
      const reads = routes.filter((route) => route.method === 'GET' && CACHED.has(route.id as never));
      // The admin warms every cached read of team B (alice's are refused: not her team).
      for (const route of reads) await api.request({ ...route, as: 'admin' });

      for (const route of routes.filter((r) => r.method === 'GET')) {
        const spec = API_ROUTES.find((s) => s.id === route.id)!;
        const before = served();
        const response = await api.request({ ...route, as: user });
        // A member may not read team B's routes (bob's team) nor any admin route.
        const refused =
          user !== 'admin' &&
          (spec.access === 'admin' || spec.path.includes(':teamId') || spec.path.includes(':integrationId'));
        if (refused) {
          expect({ route: label(route), status: response.statusCode }).toEqual({ route: label(route), status: 403 });
          expectError(response, 403, 'E_FORBIDDEN');
          expect(served()).toBe(before);
        } else if (FAST.has(route.id)) {
          expect({ route: label(route), status: response.statusCode, served: served() }).toEqual({
            route: label(route),
            status: 200,
            served: before + 1,
          });
        } else {
          expect({ route: label(route), refused: [401, 403].includes(response.statusCode) }).toEqual({
            route: label(route),
            refused: false,
          });
        }
      }

      // Without credentials, with a wrong token: 401 on every protected route, never served fast.
      const before = served();
      for (const headers of [{}, { authorization: `Bearer ${'A'.repeat(43)}` }]) {
        for (const route of routes) {
          const response = await api.request({ ...route, as: null, headers });
          expect({ route: label(route), status: response.statusCode }).toEqual({ route: label(route), status: 401 });
          expectError(response, 401, 'E_UNAUTHENTICATED');
        }
      }
      expect(served()).toBe(before);
    });
  });
});
