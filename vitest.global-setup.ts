/**
 * Vitest global setup: the tests need a Redis and a PostgreSQL (`REDIS_URL`, `DATABASE_URL`, by
 * default the standard loopback ports). When one is not reachable, a private instance is started
 * in a temporary directory on a spare loopback port, its URL is exported to the test workers, and
 * it is stopped when the run ends. When the server binaries are missing too, or promtool or
 * Chromium are, the run fails at once with one message naming the Debian packages to install. It also makes the migrated PGlite
 * database that embedded test servers start from.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPLATE_ENV, writePgliteTemplate } from './apps/server/src/testing/pglite-template.ts';

const HOST = '127.0.0.1';
const DEFAULT_REDIS_URL = `redis://${HOST}:6379`;
const DEFAULT_DATABASE_URL = `postgres://postgres@${HOST}:5432/test`;
const START_TIMEOUT_MS = 30_000;

/** A started service and how to stop it. */
interface Started {
  url: string;
  stop(): Promise<void>;
}

/** True when something accepts a TCP connection at the URL's host and port within `ms`. */
export function reachable(url: string, ms = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const fallback = url.startsWith('redis') ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || fallback) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

/** A free loopback port (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: HOST }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

/** The newest PostgreSQL server binaries Debian installed, or those on the PATH. */
function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const initdb = onPath('initdb');
  return initdb && onPath('pg_ctl') ? join(initdb, '..') : undefined;
}

/** Waits until `probe` is true, checking every 50 ms; throws `message()` after the timeout. */
async function until(probe: () => Promise<boolean>, message: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Kills `pid` and removes `dir` once the test runner is gone, even if it was killed. */
function watchdog(pid: number, dir: string, signal: 'KILL' | 'QUIT'): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -${signal} ${pid} 2>/dev/null; sleep 1; rm -rf '${dir}'`;
  spawn('sh', ['-c', script], { stdio: 'ignore', detached: true }).unref();
}

async function startRedis(binary: string): Promise<Started> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agiletrack-test-redis-'));
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output = (output + String(chunk)).slice(-2_000);
  });
  if (child.pid !== undefined) watchdog(child.pid, dir, 'KILL');
  const url = `redis://${HOST}:${port}`;
  await until(
    async () => child.exitCode === null && (await reachable(url, 200)),
    () => `redis-server did not start on port ${port}:\n${output}`,
  );
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startPostgres(bin: string): Promise<Started> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agiletrack-test-pg-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root: run the server binaries as the postgres user then.
  const asRoot = process.getuid?.() === 0;
  const run = (binary: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, binary);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, binary), ...args] : args;
    return execFileSync(command, argv, { stdio: 'pipe', encoding: 'utf8', cwd: dir });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const options = `-c listen_addresses=${HOST} -p ${port} -c unix_socket_directories='${dir}' -c fsync=off -c max_connections=300`;
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: string }).stderr ?? (error as Error).message;
    throw new Error(`could not start a private PostgreSQL: ${detail}`);
  }
  const pid = Number(execFileSync('head', ['-1', join(data, 'postmaster.pid')], { encoding: 'utf8' }).trim());
  if (pid > 0) watchdog(pid, dir, 'QUIT');
  run('psql', ['-h', HOST, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qc', 'CREATE DATABASE test']);
  return {
    url: `postgres://postgres@${HOST}:${port}/test`,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** What is missing, as one message, or undefined when everything can run. */
function missingMessage(needRedis: boolean, needPostgres: boolean): string | undefined {
  const packages: string[] = [];
  const problems: string[] = [];
  const services = [];
  if (needRedis && !onPath('redis-server')) services.push('redis-server');
  if (needPostgres && !postgresBin()) services.push('postgresql');
  if (services.length > 0) {
    packages.push(...services);
    const down = [
      needRedis && (process.env.REDIS_URL ?? DEFAULT_REDIS_URL),
      needPostgres && (process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL),
    ].filter(Boolean);
    problems.push(`Redis and PostgreSQL (not reachable: ${down.join(', ')}; no server binaries to start private ones)`);
  }
  // The metrics tests check /metrics and the alert rules with promtool; the dashboard is tested in Chromium.
  if (!onPath('promtool')) {
    packages.push('prometheus');
    problems.push('promtool');
  }
  if (!existsSync('/usr/bin/chromium')) {
    packages.push('chromium');
    problems.push("Debian's Chromium at /usr/bin/chromium");
  }
  if (packages.length === 0) return undefined;
  return (
    `The tests need ${problems.join(', ')}. Install the Debian package${packages.length > 1 ? 's' : ''} ` +
    `${packages.join(', ')} (apt-get install ${packages.join(' ')})` +
    (services.length > 0 ? ', or set REDIS_URL / DATABASE_URL.' : '.')
  );
}

/** Vitest calls this once before the workers start; the returned function runs after them. */
export default async function setup(): Promise<() => Promise<void>> {
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const [redisUp, postgresUp] = await Promise.all([reachable(redisUrl), reachable(databaseUrl)]);
  const missing = missingMessage(!redisUp, !postgresUp);
  if (missing) throw new Error(missing);
  const started: Started[] = [];
  const templateDir = mkdtempSync(join(tmpdir(), 'agiletrack-test-pglite-'));
  const stopAll = async () => {
    await Promise.allSettled(started.map((service) => service.stop()));
    rmSync(templateDir, { recursive: true, force: true });
  };
  const start = async (service: Started) => {
    started.push(service);
    console.log(`[test services] started a private instance at ${service.url}`);
    return service.url;
  };
  try {
    // Workers are forked after this returns, so they inherit the URLs.
    process.env.REDIS_URL = redisUp ? redisUrl : await start(await startRedis(onPath('redis-server')!));
    process.env.DATABASE_URL = postgresUp ? databaseUrl : await start(await startPostgres(postgresBin()!));
    // Embedded test servers load one migrated database instead of each creating its own.
    const templatePath = join(templateDir, 'template.tar');
    await writePgliteTemplate(templatePath);
    process.env[TEMPLATE_ENV] = templatePath;
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
