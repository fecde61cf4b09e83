/**
 * A throwaway PostgreSQL server for fault tests (stop it, see what the API answers) that never
 * touches the shared one: `initdb` into a temporary directory, `pg_ctl` on a free loopback port,
 * trust authentication, no fsync. Binaries come from /usr/lib/postgresql/<version>/bin or the
 * PATH. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running private server. */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** Stops the server (fast shutdown); its files stay until `remove()`. */
  stop(): Promise<void>;
  /** Starts it again after `stop()` (same port, same data). */
  start(): Promise<void>;
  /** Stops it if running and deletes its files. */
  remove(): Promise<void>;
}

function binary(name: string): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const path = join(root, version, 'bin', name);
      if (existsSync(path)) return path;
    }
  }
  return name;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a private PostgreSQL; resolves once it accepts connections. */
export async function startPrivatePostgres(limits: { maxConnections?: number } = {}): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'agiletrack-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  // As root: hand the directory to `postgres` and run every command as that user.
  const exec = (file: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);
  if (asRoot) {
    const { uid, gid } = await run('id', ['-u', 'postgres']).then(async (u) => ({
      uid: Number(u.stdout.trim()),
      gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
    }));
    chownSync(dir, uid, gid);
  }
  await exec(binary('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${limits.maxConnections ?? 20}`;
  let running = false;
  const start = async () => {
    if (running) return;
    await exec(binary('pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    running = false;
    await exec(binary('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  // A process that ends without `remove()` (interrupted, failed) still stops its server and deletes
  // its files: pg_ctl runs the server detached, so nothing else would.
  const onExit = () => {
    try {
      const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', binary('pg_ctl'), ...args], { stdio: 'ignore' });
      else execFileSync(binary('pg_ctl'), args, { stdio: 'ignore' });
    } catch {
      // Not running.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async remove() {
      process.off('exit', onExit);
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
