/**
 * The connectors' HTTP client against real loopback listeners: credentials never leave the
 * integration's origin (pagination links, redirects), private addresses are refused before any
 * connection, and failures carry our own reason, never the upstream body.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCache } from '@agiletrack/cache';
import { aesGcmEncryptor } from '@agiletrack/cache/codec/encryption';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutboundGuard, parseAllowList } from '../security/outbound.ts';
import { ExternalClient, UpstreamError } from './http-client.ts';

interface Listener {
  server: Server;
  url: string;
  port: number;
  seen: { path: string; authorization: string | undefined }[];
  handle: (request: IncomingMessage, response: ServerResponse) => void;
}

async function listen(): Promise<Listener> {
  const listener = {
    seen: [],
    handle: (_request: IncomingMessage, response: ServerResponse) => response.end('[]'),
  } as unknown as Listener;
  listener.server = createServer((request, response) => {
    listener.seen.push({ path: request.url ?? '', authorization: request.headers.authorization });
    listener.handle(request, response);
  });
  await new Promise<void>((resolve) => listener.server.listen(0, '127.0.0.1', resolve));
  listener.port = (listener.server.address() as AddressInfo).port;
  listener.url = `http://127.0.0.1:${listener.port}`;
  return listener;
}

const UPSTREAM_TEXT = 'internal stack trace: password=hunter2';

describe('external client', () => {
  let home: Listener;
  let elsewhere: Listener;
  const cache = createCache({
    tiers: [memoryTier()],
    codec: { encryptor: aesGcmEncryptor({ keys: [{ id: 'k1', key: randomBytes(32) }] }) },
  });

  const client = (options: { allowElsewhere?: boolean } = {}) =>
    new ExternalClient({
      baseUrl: home.url,
      headers: { authorization: 'Bearer ghp_TOKEN_for_home_only' },
      store: cache,
      source: 'GitHub',
      notFound: 'repository not found, or the token lacks access to it',
      guard: new OutboundGuard({
        allow: parseAllowList(`127.0.0.1:${home.port}${options.allowElsewhere ? `,127.0.0.1:${elsewhere.port}` : ''}`),
      }),
      maxAttempts: 2,
      baseDelayMs: 1,
      sleep: async () => {},
    });

  beforeAll(async () => {
    home = await listen();
    elsewhere = await listen();
  });
  beforeEach(async () => {
    home.seen.length = 0;
    elsewhere.seen.length = 0;
    await cache.clear();
  });
  afterAll(async () => {
    await cache.close();
    for (const l of [home, elsewhere]) await new Promise((resolve) => l.server.close(resolve));
  });

  it('refuses a pagination link to another origin before connecting, even an allowed one', async () => {
    await expect(client({ allowElsewhere: true }).get(`${elsewhere.url}/repos/a/b/pulls?page=2`)).rejects.toThrow(
      UpstreamError,
    );
    expect(elsewhere.seen).toEqual([]);
  });

  it('does not follow a redirect to another origin, and sends no credentials there', async () => {
    home.handle = (_request, response) => {
      response.writeHead(302, { location: `${elsewhere.url}/steal` }).end();
    };
    const failure = await client({ allowElsewhere: true })
      .get('/repos/a/b/pulls')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as Error).message).toMatch(/redirect to another origin .* it was not followed/);
    expect(home.seen).toHaveLength(1);
    expect(elsewhere.seen).toEqual([]);
  });

  it('follows a redirect that stays on the same origin', async () => {
    home.handle = (request, response) => {
      if (request.url === '/old') response.writeHead(301, { location: '/new' }).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end('[1]');
    };
    const response = await client().get<number[]>('/old');
    expect(response.body).toEqual([1]);
    expect(home.seen.map((s) => s.path)).toEqual(['/old', '/new']);
  });

  it('keeps upstream bodies out of its failures, whatever the status', async () => {
    for (const status of [400, 403, 404, 409, 500, 502]) {
      home.handle = (_request, response) => response.writeHead(status).end(UPSTREAM_TEXT);
      const failure = (await client()
        .get('/repos/a/b/pulls')
        .catch((error: unknown) => error)) as Error;
      expect(failure.message).not.toContain('hunter2');
      expect(failure.message).toMatch(new RegExp(`^GitHub answered ${status}`));
    }
    home.handle = (_request, response) => response.writeHead(404).end(UPSTREAM_TEXT);
    await expect(client().get('/repos/a/b/pulls')).rejects.toThrow(
      'GitHub answered 404: repository not found, or the token lacks access to it',
    );
  });

  it('refuses a private base URL before any connection', async () => {
    const strict = new ExternalClient({
      baseUrl: home.url,
      headers: { authorization: 'Bearer x' },
      store: cache,
      source: 'Jira',
      guard: new OutboundGuard(),
    });
    await expect(strict.get('/rest/api/3/myself')).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(home.seen).toEqual([]);
  });

  it('stores revalidation bodies encrypted, for 48 hours', async () => {
    home.handle = (_request, response) =>
      response.writeHead(200, { etag: '"v1"', 'content-type': 'application/json' }).end('[{"title":"secret plan"}]');
    const before = Date.now();
    await client().get('/repos/a/b/pulls');
    const [key] = await cache.keys();
    const entry = await cache.getEntry(key!);
    expect(entry).toMatchObject({ sensitive: true, value: { etag: '"v1"' } });
    expect(entry!.expiresAt - before).toBeGreaterThan(47 * 3_600_000);
    expect(entry!.expiresAt - before).toBeLessThanOrEqual(48 * 3_600_000 + 1_000);
  });
});
