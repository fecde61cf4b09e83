import { describe, expect, it } from 'vitest';
import { expectError, leaksIn, type RequestOptions, serverFor } from '../testing/api-helpers.ts';
import { TEST_MODES } from '../testing/harness.ts';

describe.each(TEST_MODES)('admin cache routes (%s)', (mode) => {
  const api = serverFor(mode);

  /** URLs of the seven keys for team A / integration A, and the same for team B. */
  const urlsOf = (teamId: number, integrationId: number) => [
    `/api/teams/${teamId}`,
    `/api/teams/${teamId}/integrations`,
    `/api/teams/${teamId}/metrics`,
    `/api/integrations/${integrationId}`,
    `/api/integrations/${integrationId}/metrics`,
    `/api/integrations/${integrationId}/last-sync`,
  ];
  const teamA = () => urlsOf(api.t.ids.teamA, api.t.ids.integrationA);
  const teamB = () => urlsOf(api.t.ids.teamB, api.t.ids.integrationB);

  /** `X-Cache` of a GET of each URL, as the admin. */
  async function xCache(urls: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const url of urls) out[url] = (await api.request({ method: 'GET', url })).headers['x-cache'] as string;
    return out;
  }
  const all = (urls: string[], value: string) => Object.fromEntries(urls.map((url) => [url, value]));
  /**
   * The integration URLs first: a team's metrics are built from its integrations' entries and
   * refill them, so reading the team first would make the integrations' reads HITs.
   */
  const integrationsFirst = (urls: string[]) => [
    ...urls.filter((url) => url.startsWith('/api/integrations/')),
    ...urls.filter((url) => !url.startsWith('/api/integrations/')),
  ];

  /** Reads every URL twice so each is cached. */
  async function warmUp(urls: string[]): Promise<void> {
    await xCache(urls);
    expect(await xCache(urls)).toEqual(all(urls, 'HIT'));
  }

  describe('GET /api/admin/cache/stats', () => {
    it('reports hits, misses and entries per tier, and Redis memory in the redis mode', async () => {
      await warmUp(['/api/teams']);
      const response = await api.request({ method: 'GET', url: '/api/admin/cache/stats' });
      expect(response.statusCode).toBe(200);
      const stats = response.json();
      expect(stats.mode).toEqual({
        database: mode === 'embedded' ? 'pglite' : 'postgres',
        cache: mode === 'redis' ? 'redis' : 'database',
      });
      expect(stats.cache.tiers.map((t: { name: string }) => t.name)).toEqual([
        'memory',
        mode === 'redis' ? 'redis' : 'postgres',
      ]);
      for (const tier of stats.cache.tiers) {
        expect(tier).toMatchObject({
          hits: expect.any(Number),
          misses: expect.any(Number),
          entries: expect.any(Number),
        });
      }
      const [memory] = stats.cache.tiers;
      expect(memory.hits).toBeGreaterThan(0);
      expect(memory.entries).toBeGreaterThan(0);
      expect(stats.cache.getOrSet.factoryCalls).toBeGreaterThan(0);
      expect(stats.process).toMatchObject({ rss: expect.any(Number), heapUsed: expect.any(Number) });
      expect(stats.sseConnections).toBe(0);
      if (mode === 'redis') {
        expect(stats.redis).toMatchObject({ usedMemory: expect.any(Number), maxMemoryPolicy: expect.any(String) });
        expect(stats.redis.usedMemory).toBeGreaterThan(0);
      } else {
        expect(stats.redis).toBeNull();
      }
    });

    it('counts a HIT in the memory tier', async () => {
      await warmUp(['/api/teams']);
      const hits = async () =>
        (await api.request({ method: 'GET', url: '/api/admin/cache/stats' })).json().cache.tiers[0].hits as number;
      const before = await hits();
      await api.request({ method: 'GET', url: '/api/teams' });
      expect(await hits()).toBeGreaterThan(before);
    });
  });

  describe('DELETE /api/admin/cache', () => {
    it('?key=teams drops only that key: the next GET /api/teams is a MISS', async () => {
      await warmUp(['/api/teams', ...teamA()]);
      const response = await api.request({ method: 'DELETE', url: '/api/admin/cache?key=teams' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ cleared: { key: 'teams' } });
      expect(await xCache(['/api/teams', ...teamA()])).toEqual({ ...all(teamA(), 'HIT'), '/api/teams': 'MISS' });
    });

    it('?tag=team:<id> drops every key of that team (integration keys too) and nothing of other teams', async () => {
      await warmUp(['/api/teams', ...teamA(), ...teamB()]);
      const response = await api.request({ method: 'DELETE', url: `/api/admin/cache?tag=team:${api.t.ids.teamA}` });
      expect(response.json()).toEqual({ cleared: { tag: `team:${api.t.ids.teamA}` } });
      expect(await xCache(integrationsFirst(teamA()))).toEqual(all(teamA(), 'MISS'));
      expect(await xCache(['/api/teams', ...teamB()])).toEqual(all(['/api/teams', ...teamB()], 'HIT'));
    });

    it('?tag=integration:<id> drops the keys of that integration only', async () => {
      await warmUp([...teamA(), ...teamB()]);
      await api.request({ method: 'DELETE', url: `/api/admin/cache?tag=integration:${api.t.ids.integrationA}` });
      const [team, integrations, teamMetrics, ...integrationUrls] = teamA();
      expect(await xCache(integrationUrls)).toEqual(all(integrationUrls, 'MISS'));
      expect(await xCache([team!, integrations!, teamMetrics!, ...teamB()])).toEqual(
        all([team!, integrations!, teamMetrics!, ...teamB()], 'HIT'),
      );
    });

    it('?prefix=team_ drops every team_ key and keeps `teams` and the integration keys', async () => {
      await warmUp(['/api/teams', ...teamA(), ...teamB()]);
      const response = await api.request({ method: 'DELETE', url: '/api/admin/cache?prefix=team_' });
      expect(response.json()).toEqual({ cleared: { prefix: 'team_' } });
      const teamUrls = [...teamA().slice(0, 3), ...teamB().slice(0, 3)];
      const otherUrls = ['/api/teams', ...teamA().slice(3), ...teamB().slice(3)];
      expect(await xCache(teamUrls)).toEqual(all(teamUrls, 'MISS'));
      expect(await xCache(otherUrls)).toEqual(all(otherUrls, 'HIT'));
    });

    it('without a query clears everything', async () => {
      await warmUp(['/api/teams', ...teamA(), ...teamB()]);
      const response = await api.request({ method: 'DELETE', url: '/api/admin/cache' });
      expect(response.json()).toEqual({ cleared: 'all' });
      expect(await xCache(integrationsFirst(['/api/teams', ...teamA(), ...teamB()]))).toEqual(
        all(['/api/teams', ...teamA(), ...teamB()], 'MISS'),
      );
    });

    it.each([
      ['key and tag', 'key=teams&tag=team:1'],
      ['key and prefix', 'key=teams&prefix=team_'],
      ['an unknown parameter', 'pattern=team_*'],
      ['an empty key', 'key='],
      ['a key twice', 'key=teams&key=team_1'],
      ['a key with the namespace separator', 'key=auth:session_x'],
      ['a key with a control character', 'key=team_1%0A'],
    ])('rejects %s with 400 E_VALIDATION and clears nothing', async (_label, query) => {
      await warmUp(['/api/teams', ...teamA()]);
      expectError(await api.request({ method: 'DELETE', url: `/api/admin/cache?${query}` }), 400, 'E_VALIDATION');
      expect(await xCache(['/api/teams', ...teamA()])).toEqual(all(['/api/teams', ...teamA()], 'HIT'));
    });
  });

  describe('POST /api/admin/cache/warm', () => {
    it('fills every team key so the following reads are L1 HITs without a database statement', async () => {
      await api.request({ method: 'DELETE', url: '/api/admin/cache' });
      const response = await api.request({ method: 'POST', url: '/api/admin/cache/warm' });
      expect(response.statusCode).toBe(200);
      const warmed = response.json().warmed;
      const teams = (
        await api.request({ method: 'GET', url: '/api/teams', headers: { 'cache-control': 'no-cache' } })
      ).json().teams;
      expect(warmed).toEqual({ teams: teams.length, keys: expect.any(Number), ms: expect.any(Number) });
      expect(warmed.keys).toBeGreaterThanOrEqual(1 + 3 * teams.length + 3 * 2);

      await api.request({ method: 'GET', url: '/api/me' }); // the admin's cached principal went with the clear
      const before = api.t.queries();
      for (const url of ['/api/teams', ...teamA(), ...teamB()]) {
        const read = await api.request({ method: 'GET', url });
        expect({ url, how: `${read.headers['x-cache']} ${read.headers['x-cache-tier']}` }).toEqual({
          url,
          how: 'HIT l1',
        });
      }
      expect(api.t.queries()).toBe(before);
    });
  });

  describe('admin only', () => {
    const routes: RequestOptions[] = [
      { method: 'GET', url: '/api/admin/cache/stats' },
      { method: 'DELETE', url: '/api/admin/cache' },
      { method: 'DELETE', url: '/api/admin/cache?key=teams' },
      { method: 'DELETE', url: '/api/admin/cache?key=teams&tag=x' },
      { method: 'POST', url: '/api/admin/cache/warm' },
    ];

    it('gives members 403 on every admin route, and their clear drops nothing', async () => {
      await warmUp(['/api/teams', ...teamA()]);
      for (const user of ['alice', 'bob'] as const) {
        for (const route of routes) {
          const response = await api.request({ ...route, as: user });
          expect({ route: `${route.method} ${route.url}`, status: response.statusCode }).toEqual({
            route: `${route.method} ${route.url}`,
            status: 403,
          });
          expectError(response, 403, 'E_FORBIDDEN');
          expect(response.body).not.toMatch(/tiers|hits|usedMemory/);
        }
      }
      expect(await xCache(['/api/teams', ...teamA()])).toEqual(all(['/api/teams', ...teamA()], 'HIT'));
    });

    it('gives anonymous callers 401', async () => {
      for (const route of routes) expectError(await api.request({ ...route, as: null }), 401, 'E_UNAUTHENTICATED');
    });
  });

  it('returned no credentials in any response of this block', () => {
    expect(api.bodies.length).toBeGreaterThan(50);
    expect(api.bodies.flatMap(leaksIn)).toEqual([]);
  });
});
