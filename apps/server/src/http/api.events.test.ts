/**
 * GET /api/events over a real socket: each stream receives the `invalidate`
 * events of the teams its user may see, with the cache keys the write made stale, and nobody
 * else's. Every wait is bounded and every stream is aborted at the end.
 */
import type { Server } from 'node:http';
import { routeUrl } from '@agiletrack/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SseEvent } from '../cli/sse-reader.ts';
import { leaksIn, serverFor } from '../testing/api-helpers.ts';
import { TEST_MODES, type TestUser } from '../testing/harness.ts';
import { openTestStream, type TestStream } from '../testing/sse.ts';

const WAIT_MS = 5_000;

/**
 * Ends every socket of a listening server, so closing it does not wait for aborted streams to be
 * noticed or for the client's keep-alive sockets to time out (undici keeps them 4 s).
 */
async function dropConnections(server: Server): Promise<void> {
  const open = () => new Promise<number>((resolve) => server.getConnections((_error, count) => resolve(count)));
  const deadline = Date.now() + WAIT_MS;
  do {
    server.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 5));
  } while ((await open()) > 0 && Date.now() < deadline);
}

const isInvalidate = (event: SseEvent) => event.event === 'invalidate';
const forTeam = (teamId: number) => (event: SseEvent) =>
  isInvalidate(event) && (event.data as { teamId: string }).teamId === String(teamId);

describe.each(TEST_MODES)('GET /api/events (%s)', (mode) => {
  const api = serverFor(mode);
  let baseUrl = '';
  const streams: TestStream[] = [];
  let teamOfAlice = 0;
  let teamOfBob = 0;
  let integrationOfAlice = 0;

  beforeAll(async () => {
    // The teams exist before any stream opens, so every stream's user already belongs to them.
    const stamp = Date.now();
    const a = await api.request({
      method: 'POST',
      url: '/api/teams',
      payload: { name: `SSE alice ${stamp}`, memberIds: [api.t.ids.alice] },
    });
    const b = await api.request({
      method: 'POST',
      url: '/api/teams',
      payload: { name: `SSE bob ${stamp}`, memberIds: [api.t.ids.bob] },
    });
    teamOfAlice = a.json().team.id;
    teamOfBob = b.json().team.id;
    const integration = await api.request({
      method: 'POST',
      url: `/api/teams/${teamOfAlice}/integrations`,
      payload: {
        kind: 'github',
        name: 'sse repo',
        config: { owner: 'acme', repo: 'sse', baseUrl: 'http://127.0.0.1:9' },
        credentials: { token: 'ghp_SECRET_A_sse' },
      },
    });
    integrationOfAlice = integration.json().integration.id;
    baseUrl = await api.t.server.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    for (const stream of streams) stream.close();
    api.bodies.push(...streams.map((stream) => stream.text()));
    await dropConnections(api.t.server.app.server);
  });

  async function streamAs(user: TestUser): Promise<TestStream> {
    const url = `${baseUrl}${routeUrl('system.events')}`;
    const stream = await openTestStream(url, { authorization: `Bearer ${api.t.tokens[user]}` }, WAIT_MS);
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const ready = await stream.next((event) => event.event === 'ready');
    expect(ready.data).toEqual({ userId: api.t.ids[user] });
    return stream;
  }

  it("delivers a team's invalidation to its member with the keys it made stale, and not to other members", async () => {
    const alice = await streamAs('alice');
    const bob = await streamAs('bob');
    const admin = await streamAs('admin');

    const patchA = await api.request({
      method: 'PATCH',
      url: `/api/teams/${teamOfAlice}`,
      payload: { description: 'changed for alice' },
    });
    expect(patchA.statusCode).toBe(200);
    const got = await alice.next(forTeam(teamOfAlice));
    expect(got.data).toEqual({
      type: 'team.updated',
      teamId: String(teamOfAlice),
      keys: expect.arrayContaining(['teams', `team_${teamOfAlice}`]),
    });
    // Only ids and keys travel on the stream, never the data itself.
    expect(JSON.stringify(got.data)).not.toContain('changed for alice');

    const patchB = await api.request({
      method: 'PATCH',
      url: `/api/teams/${teamOfBob}`,
      payload: { description: 'changed for bob' },
    });
    expect(patchB.statusCode).toBe(200);
    const gotB = await bob.next(isInvalidate);
    // Bob's first invalidation is his own team's: alice's event, sent before it, never reached him.
    expect(gotB.data).toEqual({
      type: 'team.updated',
      teamId: String(teamOfBob),
      keys: expect.arrayContaining([`team_${teamOfBob}`]),
    });
    expect(bob.seen.filter(forTeam(teamOfAlice))).toEqual([]);

    // The admin sees both, in order.
    expect((await admin.next(isInvalidate)).data).toMatchObject({ teamId: String(teamOfAlice) });
    expect((await admin.next(isInvalidate)).data).toMatchObject({ teamId: String(teamOfBob) });

    // And alice's next event is a later one of her own team, not bob's.
    await api.request({ method: 'PATCH', url: `/api/teams/${teamOfAlice}`, payload: { description: 'changed again' } });
    expect((await alice.next(isInvalidate)).data).toMatchObject({ teamId: String(teamOfAlice) });
    expect(alice.seen.filter(forTeam(teamOfBob))).toEqual([]);
  });

  it('names the integration keys an integration write made stale', async () => {
    const alice = await streamAs('alice');
    const response = await api.request({
      method: 'PATCH',
      url: `/api/integrations/${integrationOfAlice}`,
      as: 'alice',
      payload: { name: 'renamed over sse' },
    });
    expect(response.statusCode).toBe(200);
    const got = await alice.next(
      (event) => isInvalidate(event) && (event.data as { type: string }).type === 'integration.updated',
    );
    expect(got.data).toEqual({
      type: 'integration.updated',
      teamId: String(teamOfAlice),
      integrationId: String(integrationOfAlice),
      keys: expect.arrayContaining([`integration_${integrationOfAlice}`, `team_${teamOfAlice}_integrations`]),
    });
  });

  it("tells a team's members that it was deleted, and nobody else", async () => {
    const created = await api.request({
      method: 'POST',
      url: '/api/teams',
      payload: { name: `SSE doomed ${Date.now()}`, memberIds: [api.t.ids.alice] },
    });
    const teamId = created.json().team.id as number;
    const alice = await streamAs('alice');
    const bob = await streamAs('bob');
    expect((await api.request({ method: 'DELETE', url: `/api/teams/${teamId}` })).statusCode).toBe(204);
    const got = await alice.next(forTeam(teamId));
    expect(got.data).toEqual({
      type: 'team.deleted',
      teamId: String(teamId),
      keys: expect.arrayContaining([
        'teams',
        `team_${teamId}`,
        `team_${teamId}_integrations`,
        `team_${teamId}_metrics`,
      ]),
    });
    await api.request({
      method: 'PATCH',
      url: `/api/teams/${teamOfBob}`,
      payload: { description: 'after the delete' },
    });
    await bob.next(forTeam(teamOfBob));
    expect(bob.seen.filter(forTeam(teamId))).toEqual([]);
  });

  // The write drops the members' cached principals before it publishes, so the stream's filter
  // sees the new membership. Checked once a later event of the user's own team has arrived.
  it('tells a user added to a new team about it on their open stream', async () => {
    const bob = await streamAs('bob');
    const created = await api.request({
      method: 'POST',
      url: '/api/teams',
      payload: { name: `SSE joined ${Date.now()}`, memberIds: [api.t.ids.bob] },
    });
    const teamId = created.json().team.id as number;
    await api.request({ method: 'PATCH', url: `/api/teams/${teamOfBob}`, payload: { description: 'later event' } });
    await bob.next(forTeam(teamOfBob));
    expect(bob.seen.filter(forTeam(teamId)).map((event) => event.data)).toEqual([
      { type: 'team.created', teamId: String(teamId), keys: expect.arrayContaining(['teams']) },
    ]);
  });

  it('tells a user added to an existing team about it on their open stream', async () => {
    const created = await api.request({
      method: 'POST',
      url: '/api/teams',
      payload: { name: `SSE added ${Date.now()}` },
    });
    const teamId = created.json().team.id as number;
    const bob = await streamAs('bob');
    await api.request({ method: 'PATCH', url: `/api/teams/${teamId}`, payload: { memberIds: [api.t.ids.bob] } });
    await api.request({ method: 'PATCH', url: `/api/teams/${teamOfBob}`, payload: { description: 'later event' } });
    await bob.next(forTeam(teamOfBob));
    expect(bob.seen.filter(forTeam(teamId)).map((event) => event.data)).toEqual([
      expect.objectContaining({ type: 'team.updated', teamId: String(teamId) }),
    ]);
  });

  it('counts open streams in the admin stats and forgets a stream when its client goes away', async () => {
    const count = async () =>
      (await api.request({ method: 'GET', url: '/api/admin/cache/stats' })).json().sseConnections as number;
    const before = await count();
    const stream = await streamAs('bob');
    expect(await count()).toBe(before + 1);
    stream.close();
    await expect.poll(count, { timeout: WAIT_MS, interval: 10 }).toBe(before);
  });

  it.each([
    ['no credentials', {}],
    ['a malformed bearer token', { authorization: 'Bearer nope' }],
    ['an unknown bearer token', { authorization: `Bearer ${'Z'.repeat(43)}` }],
  ])('refuses a stream with %s: 401 with the JSON error body', async (_label, headers) => {
    const response = await fetch(`${baseUrl}/api/events`, { headers, signal: AbortSignal.timeout(WAIT_MS) });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    api.bodies.push(text);
    expect(JSON.parse(text)).toEqual({ error: { code: 'E_UNAUTHENTICATED', message: expect.stringMatching(/\S/) } });
  });

  it('returned no credentials in any response or event of this block', () => {
    const everything = [...api.bodies, ...streams.map((stream) => stream.text())];
    expect(everything.length).toBeGreaterThan(5);
    expect(everything.flatMap(leaksIn)).toEqual([]);
  });
});
