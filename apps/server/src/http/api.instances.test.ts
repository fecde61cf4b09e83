/**
 * Two API instances on one database. With Redis, a write on instance 1
 * reaches instance 2's L1 over the Redis bus before the write's response, and a slow reader on
 * instance 2 cannot put the old value back. Without Redis the PostgreSQL LISTEN/NOTIFY bus does
 * the same a few milliseconds later (the tests wait for its message), and the write fence in the
 * shared table stops the slow reader. The embedded mode (PGlite in memory) cannot be shared, so it
 * has no second instance.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TeamView } from '../services/views.ts';
import { how, leaksIn, type RequestOptions, startSlowTeamRead, until } from '../testing/api-helpers.ts';
import { startTestServer, TEST_MODES, type TestMode, type TestServer } from '../testing/harness.ts';

const SHARED_MODES = TEST_MODES.filter((mode) => mode !== 'embedded');
const L1_TTL_MS = 30_000;

describe.each(SHARED_MODES)('two instances (%s)', (mode: TestMode) => {
  let one: TestServer;
  let two: TestServer;
  const bodies: string[] = [];
  const busBaseline = { published: 0, received: 0 };
  let counter = 0;

  beforeAll(async () => {
    one = await startTestServer(mode);
    two = await startTestServer(mode, { join: one });
    // Instance 1 published while seeding, before instance 2 listened: count from here.
    busBaseline.published = one.server.deps.serverCache.cache.stats().bus.published;
    busBaseline.received = two.server.deps.serverCache.cache.stats().bus.received;
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  async function request(t: TestServer, options: RequestOptions): Promise<LightMyRequestResponse> {
    const response = await t.request(options);
    bodies.push(response.body);
    return response;
  }

  /** A team made on instance 1, named uniquely. */
  async function newTeam(): Promise<{ id: number; name: string; url: string; key: string }> {
    const name = `Shared ${++counter} ${Date.now()}`;
    const response = await request(one, {
      method: 'POST',
      url: '/api/teams',
      payload: { name, memberIds: [one.ids.alice] },
    });
    expect(response.statusCode).toBe(201);
    const id = response.json().team.id as number;
    return { id, name, url: `/api/teams/${id}`, key: `team_${id}` };
  }

  /**
   * Waits until instance 2 has received every invalidation instance 1 published, so an earlier
   * write's message (e.g. the `set` a create announces) cannot evict what a test caches next.
   */
  async function settled(): Promise<void> {
    const cache1 = one.server.deps.serverCache.cache;
    const cache2 = two.server.deps.serverCache.cache;
    await until(
      () => cache2.stats().bus.received - busBaseline.received >= cache1.stats().bus.published - busBaseline.published,
      5_000,
      "instance 1's invalidations to reach instance 2",
    );
  }

  /** Reads `url` on instance 2 (as the admin) until it is an L1 HIT (the first read may come from L2 or the origin). */
  async function cachedOnTwo(url: string): Promise<LightMyRequestResponse> {
    await settled();
    // A late invalidation from instance 1's setup may still evict the first copy: read again.
    for (let attempt = 0; attempt < 20; attempt++) {
      await request(two, { method: 'GET', url });
      const hit = await request(two, { method: 'GET', url });
      if (how(hit) === 'HIT l1') return hit;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${url} never became an L1 hit on instance 2`);
  }

  it("serves instance 1's cached value from the shared L2 on instance 2, then from its own L1", async () => {
    const team = await newTeam();
    await request(one, { method: 'GET', url: team.url }); // the create already filled L1 and L2
    await settled();
    const before = one.queries();
    const first = await request(two, { method: 'GET', url: team.url });
    expect({ how: how(first), name: first.json().team.name }).toEqual({ how: 'HIT l2', name: team.name });
    const second = await request(two, { method: 'GET', url: team.url });
    expect(how(second)).toBe('HIT l1');
    // The two instances share one database: instance 2 made no statement for either read.
    expect(one.queries()).toBe(before);
  });

  /** Removes `key` from the shared L2 only, so no instance is told (as if its message were lost). */
  async function dropFromL2Only(key: string, teamId: number): Promise<void> {
    if (mode === 'redis') {
      // The Redis tier stores `prefix + {team_<id>} + key` (one cluster slot per team).
      expect(await one.server.deps.serverCache.redis!.del(`${one.prefix}{team_${teamId}}${key}`)).toBe(1);
    } else {
      // The Postgres tier's table, with its default key prefix.
      const { rows } = await one.server.deps.database.sql.query(
        'DELETE FROM agiletrack_cache WHERE key = $1 RETURNING 1 AS gone',
        [`agiletrack:v1:${key}`],
      );
      expect(rows).toHaveLength(1);
    }
  }

  if (mode === 'redis') {
    it('serves the new value on instance 2 as soon as the PATCH on instance 1 has returned', async () => {
      const team = await newTeam();
      for (let round = 1; round <= 5; round++) {
        const old = await cachedOnTwo(team.url);
        const name = `${team.name} v${round}`;
        expect(old.json().team.name).not.toBe(name);
        const patch = await request(one, { method: 'PATCH', url: team.url, payload: { name } });
        expect(patch.statusCode).toBe(200);
        const after = await request(two, { method: 'GET', url: team.url, as: 'alice' });
        expect({ round, name: after.json().team.name }).toEqual({ round, name });
        const list = await request(two, { method: 'GET', url: '/api/teams', as: 'alice' });
        expect(list.json().teams).toContainEqual(expect.objectContaining({ id: team.id, name }));
      }
    });

    it('applies a membership change made on instance 1 to requests on instance 2', async () => {
      const team = await newTeam();
      await cachedOnTwo(team.url);
      await request(one, { method: 'PATCH', url: team.url, payload: { memberIds: [] } });
      const refused = await request(two, { method: 'GET', url: team.url, as: 'alice' });
      expect(refused.statusCode).toBe(403);
    });

    it('drops keys on instance 2 once the bus delivers an admin clear made on instance 1', async () => {
      const team = await newTeam();
      const cache2 = two.server.deps.serverCache.cache;
      for (const [query, url] of [
        [`tag=team:${team.id}`, team.url],
        ['key=teams', '/api/teams'],
        ['prefix=team_', team.url],
      ] as const) {
        await cachedOnTwo(url);
        const received = cache2.stats().bus.received;
        expect((await request(one, { method: 'DELETE', url: `/api/admin/cache?${query}` })).statusCode).toBe(200);
        // The clear returns once published; another instance applies it when the message arrives.
        await until(() => cache2.stats().bus.received > received, 2_000, `the ${query} clear on instance 2`);
        expect({ query, how: how(await request(two, { method: 'GET', url })) }).toEqual({ query, how: 'MISS origin' });
      }
    });

    it('a slow reader on instance 2 cannot put the old team back after a PATCH on instance 1', async () => {
      const team = await newTeam();
      const cache2 = two.server.deps.serverCache.cache;
      const old = (await cache2.get<TeamView>(team.key))!;
      expect(old.name).toBe(team.name);
      const { reader, release } = await startSlowTeamRead(cache2, team.id, old);

      let deletes = 0;
      const stop = cache2.on('bus-message', (event) => {
        if (event.message.type === 'delete') deletes++;
      });
      const received = cache2.stats().bus.received;
      const name = `${team.name} (renamed during a slow read on instance 2)`;
      // Instance 1's read-back waits for instance 2's lock on the key, so the PATCH is awaited after the release.
      const patch = request(one, { method: 'PATCH', url: team.url, payload: { name } });
      try {
        await until(
          () => cache2.stats().bus.received > received && deletes > 0,
          5_000,
          "the PATCH's invalidation on instance 2",
        );
      } finally {
        stop();
      }
      release();
      expect((await reader).name).toBe(team.name); // its read began before the write
      const patched = await patch;
      expect(patched.statusCode).toBe(200);
      expect(patched.json().team.name).toBe(name);

      for (const t of [two, one]) {
        const read = await request(t, { method: 'GET', url: team.url, as: 'alice' });
        expect(read.json().team.name).toBe(name);
      }
      expect((await cache2.getEntry<TeamView>(team.key))?.value.name).toBe(name);
    });

    it("pushes instance 1's write to an SSE stream on instance 2", async () => {
      const team = await newTeam();
      const baseUrl = await two.server.app.listen({ port: 0, host: '127.0.0.1' });
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 5_000);
      let text = '';
      try {
        const response = await fetch(`${baseUrl}/api/events`, {
          headers: { authorization: `Bearer ${two.tokens.alice}` },
          signal: abort.signal,
        });
        expect(response.status).toBe(200);
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        const readUntil = async (marker: string) => {
          while (!text.includes(marker)) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`stream ended before ${marker}`);
            text += decoder.decode(value, { stream: true });
          }
        };
        await readUntil('event: ready');
        await request(one, { method: 'PATCH', url: team.url, payload: { description: 'from instance 1' } });
        await readUntil('event: invalidate');
        const block = text.slice(text.indexOf('event: invalidate')).split('\n\n')[0]!;
        const data = JSON.parse(
          block
            .split('\n')
            .find((line) => line.startsWith('data:'))!
            .slice(5),
        );
        expect(data).toEqual({
          type: 'team.updated',
          teamId: String(team.id),
          keys: expect.arrayContaining([team.key]),
        });
      } finally {
        clearTimeout(timer);
        abort.abort();
        bodies.push(text);
      }
    });
  }

  if (mode === 'postgres') {
    // Without a bus nothing tells instance 2 about the write; the fence in the shared table does:
    // its slow reader's older value is refused there and taken back from its own L1.
    it('without Redis, a slow reader on instance 2 that raced a PATCH leaves nothing stale past the L1 TTL', async () => {
      const team = await newTeam();
      const cache2 = two.server.deps.serverCache.cache;
      const old = (await cache2.get<TeamView>(team.key))!;
      expect(old.name).toBe(team.name);
      const { reader, release } = await startSlowTeamRead(cache2, team.id, old);
      const name = `${team.name} (renamed during a slow read on instance 2)`;
      const patched = await request(one, { method: 'PATCH', url: team.url, payload: { name } });
      expect(patched.json().team.name).toBe(name);
      release();
      expect((await reader).name).toBe(team.name);

      // Past every L1 TTL, both instances must read the new value.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + L1_TTL_MS + 1_000 });
      try {
        // The system clock memoises Date.now() for one timer tick; let that tick pass.
        await new Promise((resolve) => setTimeout(resolve, 5));
        for (const t of [one, two]) {
          const read = await request(t, { method: 'GET', url: team.url });
          expect({ instance: t === one ? 1 : 2, name: read.json().team.name }).toEqual({
            instance: t === one ? 1 : 2,
            name,
          });
        }
      } finally {
        vi.useRealTimers();
      }
    });

    it('without Redis, the PostgreSQL bus evicts instance 2’s L1 copy after a PATCH on instance 1', async () => {
      const team = await newTeam();
      await cachedOnTwo(team.url);
      const received = two.server.deps.serverCache.cache.stats().bus.received;
      const name = `${team.name} (renamed on instance 1)`;
      const patch = await request(one, { method: 'PATCH', url: team.url, payload: { name } });
      expect(patch.json().team.name).toBe(name);
      // LISTEN/NOTIFY delivers the invalidation (a few ms): instance 2's memory copy goes (the
      // PATCH sends more than one message, so a count of messages alone can be reached before
      // this key's arrives); then instance 2 reads the new value.
      const cache2 = two.server.deps.serverCache.cache;
      await until(() => cache2.stats().bus.received > received, 5_000, 'the bus message');
      await until(
        () => cache2.getSync(team.key, { countMiss: false }) === undefined,
        5_000,
        "instance 2's copy evicted",
      );
      const fresh = await request(two, { method: 'GET', url: team.url });
      expect(fresh.json().team.name).toBe(name);
    });
  }

  // Runs last on purpose: it moves the clock forward, and what instance 2 stamps meanwhile stays
  // ahead of instance 1's clock afterwards (tag invalidations compare those stamps).
  it('bounds what a lost invalidation can cost by the L1 TTL: the stale L1 copy expires, no sleeping', async () => {
    const team = await newTeam();
    await cachedOnTwo(team.url);
    // A change that reaches no instance's cache: the row behind the cache's back, the L2 copy dropped.
    await one.server.deps.database.sql.query('UPDATE teams SET description = $1 WHERE id = $2', [
      'changed unseen',
      team.id,
    ]);
    await dropFromL2Only(team.key, team.id);

    const stale = await request(two, { method: 'GET', url: team.url });
    expect({ how: how(stale), description: stale.json().team.description }).toEqual({ how: 'HIT l1', description: '' });
    // The memory tier caps an entry's times at its own TTL, so the copy cannot outlive it.
    expect(two.server.deps.config.CACHE_L1_TTL_MS).toBe(L1_TTL_MS);
    const entry = await two.server.deps.serverCache.cache.getEntry<TeamView>(team.key);
    expect(entry).toMatchObject({ tier: 'memory', stale: false });
    expect(entry!.staleUntil - Date.now()).toBeLessThanOrEqual(L1_TTL_MS);

    vi.useFakeTimers({ toFake: ['Date'], now: entry!.staleUntil + 1 });
    try {
      // The system clock memoises Date.now() for one timer tick; let that tick pass.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const fresh = await request(two, { method: 'GET', url: team.url });
      expect({ how: how(fresh), description: fresh.json().team.description }).toEqual({
        how: 'MISS origin',
        description: 'changed unseen',
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('returned no credentials in any response of this block', () => {
    expect(bodies.length).toBeGreaterThan(5);
    expect(bodies.flatMap(leaksIn)).toEqual([]);
  });
});
