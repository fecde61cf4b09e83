/**
 * GET /api/events over a real socket (DESIGN section 5): each stream receives the `invalidate`
 * events of the teams its user may see, with the cache keys the write made stale, and nobody
 * else's. Every wait is bounded and every stream is aborted at the end.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_MODES, type TestMode, type TestServer, type TestUser } from '../testing/harness.ts';

type RequestOptions = Parameters<TestServer['request']>[0];

/** One server per describe block; every response body is kept for the credentials check. */
function serverFor(mode: TestMode) {
  const api = {
    t: undefined as unknown as TestServer,
    bodies: [] as string[],
    async request(options: RequestOptions): Promise<LightMyRequestResponse> {
      const response = await api.t.request(options);
      api.bodies.push(response.body);
      return response;
    },
  };
  beforeAll(async () => {
    api.t = await startTestServer(mode);
  });
  afterAll(async () => {
    await api.t?.close();
  });
  return api;
}

/** Secrets or credential fields found in a response body (DESIGN section 7: never returned). */
function leaksIn(body: string): string[] {
  const found = ['SECRET_A', 'SECRET_B'].filter((secret) => body.includes(secret));
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'credentials' || key === 'credentialsEncrypted') found.push(`field ${key}`);
        walk(inner);
      }
    }
  };
  try {
    walk(JSON.parse(body));
  } catch {
    // Not JSON (raw event-stream text): the substring check above covers it.
  }
  return found;
}

/** One server-sent event. */
interface SseEvent {
  event: string;
  data: unknown;
}

/** An open event stream: read events one by one, each wait bounded. */
interface Stream {
  readonly status: number;
  readonly headers: Headers;
  /** The next event for which `accept` holds (others are skipped and kept in `seen`). */
  next(accept: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  readonly seen: SseEvent[];
  /** Everything received, as text (for the credentials check). */
  text(): string;
  close(): void;
}

const WAIT_MS = 5_000;

/** Opens GET /api/events with `headers` on a listening server. */
async function openStream(baseUrl: string, headers: Record<string, string>): Promise<Stream> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/api/events`, { headers, signal: abort.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const seen: SseEvent[] = [];
  let raw = '';
  let buffer = '';
  let ended = false;
  const queue: SseEvent[] = [];

  // Reads one chunk and parses the complete blocks it finished.
  async function pump(): Promise<void> {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      return;
    }
    const chunk = decoder.decode(value, { stream: true });
    raw += chunk;
    buffer += chunk;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      if (data.length === 0) continue; // a comment (keepalive) or a bare `retry:`
      queue.push({ event, data: JSON.parse(data.join('\n')) });
    }
  }

  let reading: Promise<void> | undefined;
  return {
    status: response.status,
    headers: response.headers,
    seen,
    text: () => raw,
    async next(accept, timeoutMs = WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (queue.length > 0) {
          const event = queue.shift()!;
          seen.push(event);
          if (accept(event)) return event;
        }
        if (ended) throw new Error('the event stream ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`);
        reading ??= pump().finally(() => {
          reading = undefined;
        });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(resolve, left, 'timeout');
        });
        await Promise.race([reading, timeout]);
        clearTimeout(timer);
      }
    },
    close() {
      abort.abort();
      reader.cancel().catch(() => {});
    },
  };
}

const isInvalidate = (event: SseEvent) => event.event === 'invalidate';
const forTeam = (teamId: number) => (event: SseEvent) => isInvalidate(event) && (event.data as { teamId: string }).teamId === String(teamId);

describe.each(TEST_MODES)('GET /api/events (%s)', (mode) => {
  const api = serverFor(mode);
  let baseUrl = '';
  const streams: Stream[] = [];
  let teamOfAlice = 0;
  let teamOfBob = 0;
  let integrationOfAlice = 0;

  beforeAll(async () => {
    // The teams exist before any stream opens, so every stream's user already belongs to them.
    const stamp = Date.now();
    const a = await api.request({ method: 'POST', url: '/api/teams', payload: { name: `SSE alice ${stamp}`, memberIds: [api.t.ids.alice] } });
    const b = await api.request({ method: 'POST', url: '/api/teams', payload: { name: `SSE bob ${stamp}`, memberIds: [api.t.ids.bob] } });
    teamOfAlice = a.json().team.id;
    teamOfBob = b.json().team.id;
    const integration = await api.request({
      method: 'POST',
      url: `/api/teams/${teamOfAlice}/integrations`,
      payload: { kind: 'github', name: 'sse repo', config: { owner: 'acme', repo: 'sse', baseUrl: 'http://127.0.0.1:9' }, credentials: { token: 'ghp_SECRET_A_sse' } },
    });
    integrationOfAlice = integration.json().integration.id;
    baseUrl = await api.t.server.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(() => {
    // Streams must be gone before the server closes, or it would wait for them.
    for (const stream of streams) stream.close();
    api.bodies.push(...streams.map((stream) => stream.text()));
  });

  async function streamAs(user: TestUser): Promise<Stream> {
    const stream = await openStream(baseUrl, { authorization: `Bearer ${api.t.tokens[user]}` });
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

    const patchA = await api.request({ method: 'PATCH', url: `/api/teams/${teamOfAlice}`, payload: { description: 'changed for alice' } });
    expect(patchA.statusCode).toBe(200);
    const got = await alice.next(forTeam(teamOfAlice));
    expect(got.data).toEqual({ type: 'team.updated', teamId: String(teamOfAlice), keys: expect.arrayContaining(['teams', `team_${teamOfAlice}`]) });
    // Only ids and keys travel on the stream, never the data itself.
    expect(JSON.stringify(got.data)).not.toContain('changed for alice');

    const patchB = await api.request({ method: 'PATCH', url: `/api/teams/${teamOfBob}`, payload: { description: 'changed for bob' } });
    expect(patchB.statusCode).toBe(200);
    const gotB = await bob.next(isInvalidate);
    // Bob's first invalidation is his own team's: alice's event, sent before it, never reached him.
    expect(gotB.data).toEqual({ type: 'team.updated', teamId: String(teamOfBob), keys: expect.arrayContaining([`team_${teamOfBob}`]) });
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
    const response = await api.request({ method: 'PATCH', url: `/api/integrations/${integrationOfAlice}`, as: 'alice', payload: { name: 'renamed over sse' } });
    expect(response.statusCode).toBe(200);
    const got = await alice.next((event) => isInvalidate(event) && (event.data as { type: string }).type === 'integration.updated');
    expect(got.data).toEqual({
      type: 'integration.updated',
      teamId: String(teamOfAlice),
      integrationId: String(integrationOfAlice),
      keys: expect.arrayContaining([`integration_${integrationOfAlice}`, `team_${teamOfAlice}_integrations`]),
    });
  });

  it('counts open streams in the admin stats and forgets a stream when its client goes away', async () => {
    const count = async () => (await api.request({ method: 'GET', url: '/api/admin/cache/stats' })).json().sseConnections as number;
    const before = await count();
    const stream = await streamAs('bob');
    expect(await count()).toBe(before + 1);
    stream.close();
    const deadline = Date.now() + WAIT_MS;
    while ((await count()) !== before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await count()).toBe(before);
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
