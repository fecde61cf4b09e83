/**
 * `npm start` (embedded mode) as a process, stopped and started again on the same data directory:
 * the demo syncs on the second start as on the first (the simulator keeps its address), Ctrl-C
 * stops the server at once with an event stream open, the CLI refuses to touch a data directory
 * the server holds, and a server killed mid-sync ends its runs and syncs them on the next start.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulator } from '@agiletrack/api-simulator';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from './demo/seed.ts';
import { untilAsync } from './testing/api-helpers.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const SECRET_KEY = randomBytes(32).toString('base64');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const env = (dataDir: string, extra: Record<string, string> = {}) => ({
  ...process.env,
  DATA_DIR: dataDir,
  DATABASE_URL: '',
  REDIS_URL: '',
  REDIS_CLUSTER_NODES: '',
  SIMULATOR_URL: '',
  HOST: '127.0.0.1',
  PORT: '0',
  SECRET_KEY,
  LOG_LEVEL: 'warn',
  SYNC_HEARTBEAT_MS: '200',
  DEMO_PASSWORDS: 'fixed',
  ...extra,
});

/** Starts `npm start`'s entry point; resolves with its address once it listens. */
async function start(dataDir: string, extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: env(dataDir, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const match = /AgileTrack is running at (http:\/\/[^\s]+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exited, output: () => output };
}

/** Logs in as the demo admin; returns a fetch that sends the session cookie (and the app's Origin). */
async function login(url: string) {
  const admin = DEMO_USERS[0]!;
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return {
    cookie,
    get: async (path: string) => (await fetch(`${url}${path}`, { headers: { cookie } })).json(),
    getRaw: (path: string) => fetch(`${url}${path}`, { headers: { cookie } }),
    post: (path: string) => fetch(`${url}${path}`, { method: 'POST', headers: { cookie, origin: url } }),
  };
}

type Session = Awaited<ReturnType<typeof login>>;

async function integrationIds(session: Session): Promise<number[]> {
  const ids: number[] = [];
  for (const team of (await session.get('/api/teams')).teams as { id: number }[]) {
    for (const integration of (await session.get(`/api/teams/${team.id}/integrations`)).integrations as {
      id: number;
    }[])
      ids.push(integration.id);
  }
  return ids;
}

/** Waits until every integration's last sync is `status`. */
async function allSynced(session: Session, ids: number[], status = 'succeeded'): Promise<void> {
  await untilAsync(
    async () => {
      for (const id of ids) {
        const { lastSync } = await session.get(`/api/integrations/${id}/last-sync`);
        if (lastSync?.status !== status) return false;
      }
      return true;
    },
    180_000,
    `every integration to have synced (${status})`,
  );
}

const runCli = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: env(dataDir, { LOG_LEVEL: 'silent' }),
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('the embedded server across restarts', () => {
  it('syncs the demo on the second start as on the first; Ctrl-C stops it with an event stream open; the CLI refuses while it runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agiletrack-restart-'));
    dirs.push(dataDir);
    const first = await start(dataDir);
    const session = await login(first.url);
    const ids = await integrationIds(session);
    expect(ids.length).toBeGreaterThan(0);
    await allSynced(session, ids);

    // The CLI next to the running server: refused, nothing created.
    const refused = runCli(dataDir, 'user:create', '--email', 'late@example.com', '--name', 'Late');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/the server is running; use the API or stop it/);

    // An open event stream does not keep the server up.
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${first.url}/api/events`, { headers: { cookie: session.cookie } }, resolve);
      req.once('error', reject);
      req.end();
    });
    expect(stream.statusCode).toBe(200);
    stream.on('data', () => {});
    stream.on('error', () => {});
    first.child.kill('SIGINT');
    // 0: it finished its shutdown (past two seconds it would exit 1).
    expect(await first.exited).toBe(0);

    const second = await start(dataDir);
    const again = await login(second.url);
    const [integrationId] = ids;
    const started = await again.post(`/api/integrations/${integrationId}/sync`);
    expect(started.status).toBe(202);
    const { jobId } = (await started.json()) as { jobId: string };
    await untilAsync(
      async () => ['completed', 'failed'].includes((await again.get(`/api/jobs/${jobId}`)).job?.state),
      180_000,
      'the sync after the restart',
    );
    const job = (await again.get(`/api/jobs/${jobId}`)).job;
    expect(job.state, JSON.stringify(job)).toBe('completed');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // Stopped: the CLI may run, and the refused user was never created.
    const missing = runCli(dataDir, 'token:create', '--email', 'late@example.com', '--name', 'ci');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no user late@example.com/);
  }, 600_000);

  it('ends the runs of a server killed mid-sync as interrupted and syncs them at the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agiletrack-killed-'));
    dirs.push(dataDir);
    const sim = await createSimulator({ dataset: 'fixed', latency: { fixedMs: 300 } });
    try {
      const first = await start(dataDir, { DEMO: 'true', SIMULATOR_URL: sim.url });
      await untilAsync(async () => sim.counts().total > 0, 180_000, 'the demo sync to reach the simulator');
      first.child.kill('SIGKILL');
      await first.exited;

      sim.setLatency(0);
      const second = await start(dataDir, { DEMO: 'true', SIMULATOR_URL: sim.url });
      const session = await login(second.url);
      const ids = await integrationIds(session);
      await allSynced(session, ids);
      // Nothing looks busy: the team's metrics are cached again.
      const teams = (await session.get('/api/teams')).teams as { id: number }[];
      await session.getRaw(`/api/teams/${teams[0]!.id}/metrics`);
      expect((await session.getRaw(`/api/teams/${teams[0]!.id}/metrics`)).headers.get('x-cache')).toBe('HIT');
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await sim.close();
    }
    const lite = new PGlite(join(dataDir, 'pglite'));
    try {
      const { rows } = await lite.query<{ status: string; error: string | null }>(
        'SELECT status, error FROM sync_runs ORDER BY id',
      );
      expect(rows.filter((row) => row.status === 'running')).toEqual([]);
      expect(rows.some((row) => row.status === 'failed' && row.error === 'interrupted')).toBe(true);
    } finally {
      await lite.close();
    }
  }, 600_000);
});
