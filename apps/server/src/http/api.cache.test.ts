import { describe, expect, it } from 'vitest';
import type { TeamView } from '../services/views.ts';
import { expectError, FRESH, how, leaksIn, serverFor, startSlowTeamRead } from '../testing/api-helpers.ts';
import { TEST_MODES } from '../testing/harness.ts';

describe.each(TEST_MODES)('serving from the cache (%s)', (mode) => {
  const api = serverFor(mode);
  const cache = () => api.t.server.deps.serverCache.cache;
  let counter = 0;

  /** A fresh team (alice is a member) with one integration, so tests do not share cache keys. */
  async function fixture(): Promise<{
    teamId: number;
    integrationId: number;
    name: string;
    urls: Record<string, string>;
  }> {
    const name = `Cached ${++counter} ${Date.now()}`;
    const team = await api.request({
      method: 'POST',
      url: '/api/teams',
      payload: { name, memberIds: [api.t.ids.alice] },
    });
    const teamId = team.json().team.id as number;
    const created = await api.request({
      method: 'POST',
      url: `/api/teams/${teamId}/integrations`,
      payload: {
        kind: 'github',
        name: 'cached repo',
        config: { owner: 'acme', repo: 'c', baseUrl: 'http://127.0.0.1:9' },
        credentials: { token: 'ghp_SECRET_A_c' },
      },
    });
    const integrationId = created.json().integration.id as number;
    return {
      teamId,
      integrationId,
      name,
      urls: {
        teams: '/api/teams',
        team: `/api/teams/${teamId}`,
        teamIntegrations: `/api/teams/${teamId}/integrations`,
        teamMetrics: `/api/teams/${teamId}/metrics`,
        integration: `/api/integrations/${integrationId}`,
        integrationMetrics: `/api/integrations/${integrationId}/metrics`,
        lastSync: `/api/integrations/${integrationId}/last-sync`,
      },
    };
  }

  /** The logical keys behind the fixture's URLs . */
  const keysOf = (f: { teamId: number; integrationId: number }) => ({
    teams: 'teams',
    team: `team_${f.teamId}`,
    teamIntegrations: `team_${f.teamId}_integrations`,
    teamMetrics: `team_${f.teamId}_metrics`,
    integration: `integration_${f.integrationId}`,
    integrationMetrics: `metrics_${f.integrationId}`,
    lastSync: `last_sync_${f.integrationId}`,
  });

  it('answers the first read from the origin (MISS) and the same read again from L1 (HIT) without a database statement', async () => {
    const f = await fixture();
    const keys = keysOf(f);
    for (const [kind, url] of Object.entries(f.urls)) {
      await cache().delete(keys[kind as keyof typeof keys]);
      const beforeMiss = api.t.queries();
      const first = await api.request({ method: 'GET', url, as: 'alice' });
      expect({ url, status: first.statusCode, how: how(first) }).toEqual({ url, status: 200, how: 'MISS origin' });
      expect(api.t.queries()).toBeGreaterThan(beforeMiss);

      const before = api.t.queries();
      const second = await api.request({ method: 'GET', url, as: 'alice' });
      expect({ url, status: second.statusCode, how: how(second), queries: api.t.queries() }).toEqual({
        url,
        status: 200,
        how: 'HIT l1',
        queries: before,
      });
      expect(second.body).toBe(first.body);
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(second.headers['cache-control']).toBe('private, no-cache');
      expect(second.headers.vary).toBe('Cookie, Authorization, Accept-Encoding');
    }
  });

  it('answers If-None-Match with the current ETag by 304 and an empty body', async () => {
    const f = await fixture();
    for (const url of Object.values(f.urls)) {
      const first = await api.request({ method: 'GET', url, as: 'alice' });
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
        const before = api.t.queries();
        const revalidated = await api.request({
          method: 'GET',
          url,
          as: 'alice',
          headers: { 'if-none-match': header },
        });
        expect({ url, header, status: revalidated.statusCode, body: revalidated.body }).toEqual({
          url,
          header,
          status: 304,
          body: '',
        });
        expect(revalidated.headers.etag).toBe(etag);
        // A 304 says only what identifies and governs the copy the client has (RFC 9110 §15.4.5).
        const sent = Object.keys(revalidated.headers).filter((n) => !['date', 'connection', 'keep-alive'].includes(n));
        expect(sent.sort()).toEqual(['cache-control', 'etag', 'vary']);
        expect(api.t.queries()).toBe(before);
      }
      const other = await api.request({
        method: 'GET',
        url,
        as: 'alice',
        headers: { 'if-none-match': '"something-else"' },
      });
      expect(other.statusCode).toBe(200);
      expect(other.body).toBe(first.body);
    }
  });

  it('answers an old ETag with 200 and the new body after a write', async () => {
    const f = await fixture();
    const old = await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' });
    await api.request({ method: 'PATCH', url: f.urls.team!, as: 'alice', payload: { description: 'changed' } });
    const after = await api.request({
      method: 'GET',
      url: f.urls.team!,
      as: 'alice',
      headers: { 'if-none-match': old.headers.etag as string },
    });
    expect(after.statusCode).toBe(200);
    expect(after.json().team.description).toBe('changed');
    expect(after.headers.etag).not.toBe(old.headers.etag);
  });

  it('bypasses every tier on Cache-Control: no-cache, then serves the refreshed value from L1', async () => {
    const f = await fixture();
    await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' });
    const cached = await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' });
    expect(how(cached)).toBe('HIT l1');
    // Change the row behind the cache's back (the statement is not counted as an application query).
    await api.t.server.deps.database.sql.query('UPDATE teams SET description = $1 WHERE id = $2', [
      'changed behind the cache',
      f.teamId,
    ]);
    expect((await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' })).json().team.description).toBe('');

    const before = api.t.queries();
    const bypass = await api.request({ method: 'GET', url: f.urls.team!, as: 'alice', headers: FRESH });
    expect({ status: bypass.statusCode, how: how(bypass) }).toEqual({ status: 200, how: 'BYPASS origin' });
    expect(bypass.json().team.description).toBe('changed behind the cache');
    expect(api.t.queries()).toBeGreaterThan(before);

    const afterBypass = api.t.queries();
    const next = await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' });
    expect(how(next)).toBe('HIT l1');
    expect(next.body).toBe(bypass.body);
    expect(api.t.queries()).toBe(afterBypass);
  });

  it('treats Cache-Control: no-cache with If-None-Match as a revalidation, as browsers send it, not a bypass', async () => {
    const f = await fixture();
    const first = await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' });
    const before = api.t.queries();
    const revalidated = await api.request({
      method: 'GET',
      url: f.urls.team!,
      as: 'alice',
      headers: { ...FRESH, 'if-none-match': first.headers.etag as string },
    });
    expect({ status: revalidated.statusCode, body: revalidated.body }).toEqual({ status: 304, body: '' });
    expect(api.t.queries()).toBe(before);
  });

  it('serves the new value on the next read after every kind of PATCH, never the old one', async () => {
    const f = await fixture();
    for (let round = 1; round <= 3; round++) {
      for (const url of Object.values(f.urls)) await api.request({ method: 'GET', url, as: 'alice' });

      const teamName = `${f.name} v${round}`;
      const patchedTeam = await api.request({
        method: 'PATCH',
        url: f.urls.team!,
        as: 'alice',
        payload: { name: teamName },
      });
      expect(patchedTeam.json().team.name).toBe(teamName);
      expect((await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' })).json().team.name).toBe(teamName);
      const list = await api.request({ method: 'GET', url: f.urls.teams!, as: 'alice' });
      expect(list.json().teams).toContainEqual(expect.objectContaining({ id: f.teamId, name: teamName }));

      const integrationName = `repo v${round}`;
      const patched = await api.request({
        method: 'PATCH',
        url: f.urls.integration!,
        as: 'alice',
        payload: { name: integrationName },
      });
      expect(patched.json().integration.name).toBe(integrationName);
      expect(
        (await api.request({ method: 'GET', url: f.urls.integration!, as: 'alice' })).json().integration.name,
      ).toBe(integrationName);
      const integrations = await api.request({ method: 'GET', url: f.urls.teamIntegrations!, as: 'alice' });
      expect(integrations.json().integrations).toEqual([
        expect.objectContaining({ id: f.integrationId, name: integrationName }),
      ]);
    }
  });

  it('forgets a deleted integration at once: 404 on its routes, gone from the team list', async () => {
    const f = await fixture();
    for (const url of Object.values(f.urls)) {
      await api.request({ method: 'GET', url, as: 'alice' });
      expect(how(await api.request({ method: 'GET', url, as: 'alice' }))).toBe('HIT l1');
    }
    expect((await api.request({ method: 'DELETE', url: f.urls.integration!, as: 'alice' })).statusCode).toBe(204);
    for (const url of [f.urls.integration!, f.urls.integrationMetrics!, f.urls.lastSync!]) {
      expectError(await api.request({ method: 'GET', url, as: 'alice' }), 404, 'E_NOT_FOUND');
    }
    expect(
      (await api.request({ method: 'GET', url: f.urls.teamIntegrations!, as: 'alice' })).json().integrations,
    ).toEqual([]);
    const metrics = await api.request({ method: 'GET', url: f.urls.teamMetrics!, as: 'alice' });
    expect(metrics.json().metrics.integrations).toEqual([]);
  });

  describe('a slow reader racing a write on this instance', () => {
    /** Starts a `team_{id}` read whose factory blocks until the gate opens, after deleting the key. */
    async function slowRead(teamId: number) {
      const old = (await cache().get<TeamView>(`team_${teamId}`)) ?? (await api.t.server.deps.teams.getTeam(teamId));
      return { old, ...(await startSlowTeamRead(cache(), teamId, old)) };
    }

    /** Resolves when the write's invalidation for `teamId` has run (it publishes after deleting). */
    function invalidated(teamId: number): Promise<void> {
      return new Promise((resolve) => {
        const stop = api.t.server.deps.hub.subscribe((event) => {
          if (event.type === 'team.updated' && Number(event.teamId) === teamId) {
            stop();
            resolve();
          }
        });
      });
    }

    it('cannot put the old team back after the PATCH invalidated it', async () => {
      const f = await fixture();
      const slow = await slowRead(f.teamId);
      const newName = `${f.name} (renamed during a slow read)`;
      const done = invalidated(f.teamId);
      // The PATCH's own read-back may wait for the slow reader, so it is awaited after the release.
      const patch = api.request({ method: 'PATCH', url: f.urls.team!, as: 'alice', payload: { name: newName } });
      await done;
      slow.release();
      // The slow reader began before the write: it may return the old value to its own caller…
      expect((await slow.reader).name).toBe(f.name);
      expect((await patch).statusCode).toBe(200);
      // …but never leaves it in the cache.
      const next = await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' });
      expect(next.json().team.name).toBe(newName);
      expect((await cache().getEntry<TeamView>(slow.key))?.value.name).toBe(newName);
      const again = await api.request({ method: 'GET', url: f.urls.team!, as: 'alice' });
      expect({ how: how(again), name: again.json().team.name }).toEqual({ how: 'HIT l1', name: newName });
    });

    // The PATCH's read-back must not join the slow reader's in-flight load (it once did).
    it('answers the PATCH itself with the new value, not the value of a read that began before it', async () => {
      const f = await fixture();
      const slow = await slowRead(f.teamId);
      const newName = `${f.name} (PATCH answer)`;
      const done = invalidated(f.teamId);
      const patch = api.request({ method: 'PATCH', url: f.urls.team!, as: 'alice', payload: { name: newName } });
      await done;
      slow.release();
      await slow.reader;
      const response = await patch;
      expect(response.statusCode).toBe(200);
      expect(response.json().team.name).toBe(newName);
    });
  });

  it('returned no credentials in any response of this block', () => {
    expect(api.bodies.length).toBeGreaterThan(50);
    expect(api.bodies.flatMap(leaksIn)).toEqual([]);
  });
});
