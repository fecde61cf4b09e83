/**
 * Over a real socket: a request whose body stalls is cut off with 408, oversized headers get
 * 431 and malformed HTTP 400, all in the API's error shape; METRICS_PORT serves /metrics on
 * loopback only; and with PostgreSQL stopped (a private server) a write answers 503
 * `E_UNAVAILABLE` with `Retry-After`.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.ts';
import { createServer, type Server } from '../server.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../testing/private-postgres.ts';

vi.setConfig({ hookTimeout: 120_000 });

/** Sends raw bytes; resolves with everything the server wrote before it closed the connection. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('close', () => resolve(received));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? resolve(received) : reject(error),
    );
  });
}

const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

describe('transport limits on a listening server', () => {
  let t: TestServer;
  let port = 0;
  let metricsPort = 0;

  beforeAll(async () => {
    metricsPort = 20_000 + Math.floor(Math.random() * 20_000);
    t = await startTestServer('embedded', {
      env: { REQUEST_TIMEOUT_MS: '1000', METRICS_PORT: String(metricsPort) },
    });
    await t.server.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.server.app.server.address() as { port: number }).port;
  });
  afterAll(() => t?.close());

  it('cuts off a request whose body never finishes, with 408 in the API shape', async () => {
    const response = await raw(
      port,
      `POST /api/teams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.tokens.admin}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":',
    );
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(response)).toEqual({ error: { code: 'E_REQUEST_TIMEOUT', message: expect.any(String) } });
  });

  it('answers oversized headers with 431 and malformed HTTP with 400, in the API shape', async () => {
    const big = await raw(port, `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(big).error.code).toBe('E_HEADERS_TOO_LARGE');
    const garbage = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(garbage).error.code).toBe('E_BAD_REQUEST');
  });

  it('serves /metrics on the loopback METRICS_PORT, and not on the API port', async () => {
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('agiletrack_cache_hits_total');
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
  });
});

describe('database unreachable (private PostgreSQL)', () => {
  let pgServer: PrivatePostgres;
  let server: Server;
  let token = '';

  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    server = await createServer({
      config: loadConfig({
        LOG_LEVEL: 'silent',
        DATABASE_URL: pgServer.url,
        SECRET_KEY: randomBytes(32).toString('base64'),
      }),
      logger: pino({ level: 'silent' }),
      scheduler: false,
    });
    const admin = await server.deps.accounts.createUser({
      email: 'admin@test.local',
      name: 'Admin',
      password: 'admin-password-1',
      role: 'admin',
    });
    token = await server.deps.accounts.createApiToken(admin, 'tests');
  });
  afterAll(async () => {
    await server?.close().catch(() => {});
    await pgServer?.remove();
  });

  it('answers a write with 503 E_UNAVAILABLE and Retry-After while PostgreSQL is down', async () => {
    const headers = { authorization: `Bearer ${token}` };
    // Authenticated once while the database is up: the principal is cached in memory.
    expect((await server.app.inject({ method: 'GET', url: '/api/me', headers })).statusCode).toBe(200);
    await pgServer.stop();
    const response = await server.app.inject({ method: 'POST', url: '/api/teams', headers, payload: { name: 'x' } });
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 503,
      body: { error: { code: 'E_UNAVAILABLE', message: expect.stringMatching(/database/) } },
    });
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  });
});
