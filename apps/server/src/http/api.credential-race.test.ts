/**
 * A member points an integration at a host of their own (allowed: with their own dummy
 * credentials), keeps Test connection or a sync in flight, and an admin repairs the integration
 * with the real token meanwhile. The member's host must never receive the real token: config and
 * credentials are read together, in one row read, and credentials sealed for one origin do not
 * open for another. The repair is forced into the window between the request's reads with a
 * PostgreSQL lock (a table lock for Test connection; for a sync, its run's row, which its worker
 * claims between reading the integration and reading the credentials), so the interleaving is the
 * same on every run.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CredentialsUnreadableError } from '../security/secrets.ts';
import { resealLegacyCredentials } from '../services/integration-credentials.ts';
import { how, serverFor, untilAsync } from '../testing/api-helpers.ts';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import { waitForJob } from '../testing/sync-helpers.ts';

vi.setConfig({ hookTimeout: 120_000 });

const REAL = 'ghp_REAL_TOKEN_of_the_team';

interface Host {
  server: Server;
  url: string;
  authorizations: string[];
}

async function host(): Promise<Host> {
  const authorizations: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    authorizations.push(String(request.headers.authorization));
    response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorizations };
}

/** A host that holds every request until released, then refuses its credentials. */
async function heldHost(): Promise<{ server: Server; url: string; reached: Promise<void>; release(): void }> {
  let reach = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  // Answered 401 once released: the sync fails at once, without retries.
  const server = createServer((_request, response) => {
    reach();
    void released.then(() => response.writeHead(401, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reached, release };
}

describe('credentials never travel with a config they were not entered for (postgres)', () => {
  const api = serverFor('postgres');
  let upstream: Host;
  let receiver: Host;
  let locker: pg.Client;

  beforeAll(async () => {
    upstream = await host();
    receiver = await host();
    locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    for (const h of [upstream, receiver]) if (h) await new Promise((resolve) => h.server.close(resolve));
  });

  const real = () => ({ owner: 'acme', repo: 'alpha', baseUrl: upstream.url });
  const table = (name: string) => `"${api.t.schema}".${name}`;

  // The admin's working integration (and its row as stored), then the member's move to their host.
  async function hijacked(): Promise<{ id: number; good: { config: unknown; credentials_encrypted: string } }> {
    const created = await api.request({
      method: 'POST',
      url: `/api/teams/${api.t.ids.teamA}/integrations`,
      payload: { kind: 'github', name: `race ${Math.random()}`, config: real(), credentials: { token: REAL } },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().integration.id as number;
    const [good] = (
      await locker.query(`select config, credentials_encrypted from ${table('integrations')} where id = $1`, [id])
    ).rows;
    const moved = await api.request({
      method: 'PATCH',
      url: `/api/integrations/${id}`,
      as: 'alice',
      payload: { config: { ...real(), baseUrl: receiver.url }, credentials: { token: 'dummy' } },
    });
    expect(moved.statusCode).toBe(200);
    return { id, good };
  }

  // Resolves once a statement of the server waits for the lock the test holds on `name`.
  const waitsOn = (name: string) =>
    untilAsync(
      async () =>
        (
          await locker.query(
            `select count(*)::int as n from pg_locks where not granted and relation = '${table(name)}'::regclass`,
          )
        ).rows[0].n > 0,
      20_000,
      `a statement waiting on ${name}`,
    );

  it('Test connection: a repair landing between the config and the credentials read never reaches the member host', async () => {
    // The admin's repair will store exactly what the original save stored.
    const { id, good } = await hijacked();
    // The member's view of the integration is cached: their request reads its config from there.
    expect(how(await api.request({ method: 'GET', url: `/api/integrations/${id}`, as: 'alice' }))).toBe('HIT l1');

    await locker.query('begin');
    await locker.query(`lock table ${table('integrations')} in access exclusive mode`);
    const test = api.request({ method: 'POST', url: `/api/integrations/${id}/test`, as: 'alice' });
    await waitsOn('integrations');
    // The repair commits (on another instance, say: this one's cached config is not dropped yet).
    await locker.query(`update ${table('integrations')} set config = $1, credentials_encrypted = $2 where id = $3`, [
      good.config,
      good.credentials_encrypted,
      id,
    ]);
    await locker.query('commit');
    expect((await test).statusCode).toBe(200);

    expect(receiver.authorizations.filter((value) => value.includes(REAL))).toEqual([]);
    expect(upstream.authorizations).toContain(`Bearer ${REAL}`);
  });

  it('sync: a repair committed while the sync starts never reaches the member host', async () => {
    const { id } = await hijacked();
    upstream.authorizations.length = 0;
    // The in-process queue runs one job at a time: a sync held at its upstream keeps the member's
    // queued, so the test can lock the member's run row before its worker claims it.
    const gate = await heldHost();
    const blocker = await api.request({
      method: 'POST',
      url: `/api/teams/${api.t.ids.teamA}/integrations`,
      payload: {
        kind: 'github',
        name: `blocker ${Math.random()}`,
        config: { ...real(), baseUrl: gate.url },
        credentials: { token: 'blocker' },
      },
    });
    expect(blocker.statusCode, blocker.body).toBe(201);
    const held = await api.request({ method: 'POST', url: `/api/integrations/${blocker.json().integration.id}/sync` });
    expect(held.statusCode).toBe(202);
    await gate.reached;
    const sync = await api.request({ method: 'POST', url: `/api/integrations/${id}/sync`, as: 'alice' });
    expect(sync.statusCode).toBe(202);
    const jobId = sync.json().jobId as string;
    await locker.query('begin');
    try {
      await locker.query(`select id from ${table('sync_runs')} where job_id = $1 for update`, [jobId]);
      gate.release();
      // The member's sync has read the integration (the member's host) and waits to claim its run.
      await untilAsync(
        async () =>
          (
            await locker.query(
              `select count(*)::int as n from pg_stat_activity
                where wait_event_type = 'Lock' and query ilike '%sync_runs%' and pid <> pg_backend_pid()`,
            )
          ).rows[0].n > 0,
        45_000,
        "the member's sync waiting to claim its run",
      );
      const repair = await api.request({
        method: 'PATCH',
        url: `/api/integrations/${id}`,
        payload: { config: real(), credentials: { token: REAL } },
      });
      expect(repair.statusCode).toBe(200);
    } finally {
      // Never left open for the next test, whatever failed above.
      await locker.query('rollback');
      gate.release();
    }
    await waitForJob(api.t, jobId);
    await waitForJob(api.t, held.json().jobId);
    await new Promise((resolve) => gate.server.close(resolve));

    expect(receiver.authorizations.filter((value) => value.includes(REAL))).toEqual([]);
    expect(upstream.authorizations).toContain(`Bearer ${REAL}`);
  });

  it('credentials sealed for one origin do not open for another; older values are re-sealed at start', async () => {
    const { vault } = api.t.server.deps.integrations;
    const sealed = vault.seal({ token: REAL }, { integrationId: 7, origin: upstream.url });
    expect(vault.open(sealed, { integrationId: 7, origin: upstream.url })).toEqual({ token: REAL });
    expect(() => vault.open(sealed, { integrationId: 7, origin: receiver.url })).toThrow(CredentialsUnreadableError);
    expect(() => vault.open(sealed, { integrationId: 8, origin: upstream.url })).toThrow(CredentialsUnreadableError);

    // A value sealed the older way (the integration id alone): refused for use until re-sealed.
    const { id } = await hijacked();
    const legacy = vault.encryptor.encrypt(Buffer.from(JSON.stringify({ token: 'dummy-legacy' })), `integration:${id}`);
    const stored = [legacy.keyId, legacy.iv, legacy.tag, legacy.data]
      .map((part) => (typeof part === 'string' ? part : Buffer.from(part).toString('base64')))
      .join('.');
    await locker.query(`update ${table('integrations')} set credentials_encrypted = $1 where id = $2`, [stored, id]);
    const refused = await api.request({ method: 'POST', url: `/api/integrations/${id}/test`, as: 'alice' });
    expect(refused.json().error.code).toBe('E_CREDENTIALS_REQUIRED');
    expect(await resealLegacyCredentials(api.t.server.deps.db, vault)).toBe(1);
    expect(await api.t.server.deps.integrations.connection(id)).toMatchObject({
      config: { baseUrl: receiver.url },
      credentials: { token: 'dummy-legacy' },
    });
    expect(await resealLegacyCredentials(api.t.server.deps.db, vault)).toBe(0);
  });
});
