/**
 * `npm start` as an operator runs it, stopped the way Docker and systemd (SIGTERM) and a terminal
 * (SIGINT) stop it, signals sent to the `npm` process itself, with a dashboard's event stream
 * open: every stop exits 0, leaves no server running, and leaves PGlite's control file saying
 * "shut down" (an unclean stop leaves "in production", and the next start skips row ids). Also: a
 * taken port stops the first start before it creates any data.
 *
 * AGILETRACK_STOP_ROUNDS sets the number of stops (default 4, alternating the two signals).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from './demo/seed.ts';
import { openTestStream } from './testing/sse.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ROUNDS = Number(process.env.AGILETRACK_STOP_ROUNDS ?? 4);
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// PostgreSQL's ControlFileData: the cluster state (a DBState) follows the 8-byte system
// identifier and two 4-byte version numbers.
const DB_STATES = [
  'starting up',
  'shut down',
  'shut down in recovery',
  'shutting down',
  'in crash recovery',
  'in archive recovery',
  'in production',
];
const controlState = (dataDir: string) =>
  DB_STATES[readFileSync(join(dataDir, 'pglite', 'global', 'pg_control')).readInt32LE(16)] ?? 'unknown';

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

function npmStart(dataDir: string, port: number): Started {
  const child = spawn('npm', ['start'], {
    cwd: REPO,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: '',
      SIMULATOR_URL: '',
      DEMO_PASSWORDS: 'fixed',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += String(chunk);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function until(check: () => boolean, what: string, started: Started, ms = 240_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited before ${what}:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

async function login(url: string): Promise<string> {
  const admin = DEMO_USERS[0]!;
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  expect(response.status).toBe(200);
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}

describe('npm start and its stop', () => {
  it(`stops cleanly on SIGTERM and SIGINT sent to npm, ${ROUNDS} times in a row, with an event stream open`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agiletrack-stop-'));
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const teamIds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const signal = round % 2 === 0 ? 'SIGTERM' : 'SIGINT';
      const started = npmStart(dataDir, port);
      await until(() => started.output().includes('AgileTrack is running at'), 'the banner', started);
      const cookie = await login(url);
      const stream = await openTestStream(`${url}/api/events`, { cookie });
      expect(stream.status).toBe(200);
      await stream.next((event) => event.event === 'ready');
      // A row made in each round: its id shows whether the last stop was clean.
      const team = await fetch(`${url}/api/teams`, {
        method: 'POST',
        headers: { cookie, origin: url, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Round ${round}` }),
      });
      expect(team.status).toBe(201);
      teamIds.push(((await team.json()) as { team: { id: number } }).team.id);

      started.child.kill(signal);
      const code = await started.exited;
      stream.close();
      expect({ round, signal, code }).toEqual({ round, signal, code: 0 });
      expect({ round, signal, state: controlState(dataDir) }).toEqual({ round, signal, state: 'shut down' });
      // Nothing left running: the server released the data directory.
      expect(existsSync(join(dataDir, 'agiletrack.lock'))).toBe(false);
    }
    // Consecutive ids across every restart (an unclean stop skips ahead by 32).
    expect(teamIds.slice(1).map((id, i) => id - teamIds[i]!)).toEqual(Array(ROUNDS - 1).fill(1));
  }, 900_000);

  it('stops a first start whose port is taken before it creates any data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agiletrack-port-'));
    dirs.push(dataDir);
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const started = npmStart(dataDir, port);
      expect(await started.exited).toBe(1);
      expect(started.output()).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} is in use`));
      expect(started.output()).not.toMatch(/login \(admin\)/);
      // Nothing was seeded: the next start creates the demo and prints its logins.
      const again = npmStart(dataDir, await freePort());
      await until(() => again.output().includes('AgileTrack is running at'), 'the banner', again);
      expect(again.output()).toMatch(/login \(admin\): /);
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      taken.close();
    }
  }, 300_000);
});
