/**
 * Throwaway Redis servers for tests: a 3-master Redis Cluster on loopback ports, or a single
 * `redis-server` a test may stop, pause (SIGSTOP) and restart without touching the shared Redis.
 * Needs `redis-server` and `redis-cli` on the PATH. Nothing persists: `--save ''`, no AOF,
 * and a temporary directory removed by `stop()`. Processes are killed if the test process exits.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test forgets stop() or the runner exits early: no redis-server outlives us.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** A node's address. */
export interface RedisTestNode {
  host: string;
  port: number;
}

/** A running test cluster. */
export interface RedisTestCluster {
  nodes: RedisTestNode[];
  /** Kills every node and removes their files. */
  stop(): Promise<void>;
}

/** A running single test server. */
export interface RedisTestServer extends RedisTestNode {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** The server's pid, while it runs. */
  readonly pid: number | undefined;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  /** Kills the server (its data is gone: nothing persists). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Kills it and removes its files. */
  stop(): Promise<void>;
}

/** Resolves if `port` can be bound on loopback now; rejects with a clear message otherwise. */
async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          `${what}: port ${port} on ${HOST} is not free (${error.code ?? error.message}); ` +
            'stop whatever uses it or choose another basePort',
        ),
      );
    });
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Asks the OS for a free loopback port (for a single server; may race, unlikely in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: HOST }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends PING over a raw socket; true on +PONG. Avoids a client dependency in the harness. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: HOST });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Spawned {
  child: ChildProcess;
  output: () => string;
}

/**
 * Kills `pid` (and removes `dir`) as soon as this process is gone. The 'exit' hook does not run
 * when a test runner kills its worker, so a tiny shell loop watches our pid instead.
 */
function watchdog(pid: number, dir: string): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; kill -9 ${pid} 2>/dev/null; rm -rf '${dir}'`;
  const guard = spawn('sh', ['-c', script], { stdio: 'ignore' });
  guard.unref();
  return guard;
}

/** Starts redis-server with `args` and waits until it answers PING on `port`. */
async function spawnServer(port: number, args: string[], dir: string, timeout: number): Promise<Spawned> {
  installExitHook();
  let output = '';
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const guard = child.pid === undefined ? undefined : watchdog(child.pid, dir);
  const keep = (chunk: Buffer): void => {
    // The tail is enough to explain a failed start.
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    live.delete(child);
    guard?.kill('SIGKILL');
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot start redis-server: ${error.message}`, { cause: error })));
  });
  spawnError.catch(() => {});
  const deadline = Date.now() + timeout;
  for (;;) {
    if (exited) throw new Error(`redis-server on port ${port} ${exited} before answering:\n${output}`);
    if (await Promise.race([ping(port), spawnError])) return { child, output: () => output };
    if (Date.now() > deadline) {
      await killProcess(child);
      throw new Error(`redis-server on port ${port} did not answer PING within ${timeout} ms:\n${output}`);
    }
    await sleep(50);
  }
}

/** Sends SIGTERM (after SIGCONT, in case it is paused), then SIGKILL if it lingers. */
async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}

function baseArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no'].concat([
    '--dir',
    dir,
  ]);
}

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /**
   * The first node's port; the others follow. The cluster bus uses port + 10000, checked too.
   * @default 7101
   */
  basePort?: number;
  /**
   * Master count (no replicas). Redis Cluster needs at least 3.
   * @default 3
   */
  masters?: number;
  /**
   * Longest wait for the processes to start and the cluster to report `cluster_state:ok`.
   * @default 20_000
   */
  timeout?: number;
}

/** Starts a Redis Cluster of `masters` loopback nodes with no replicas; see the file comment. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisTestCluster> {
  const basePort = options.basePort ?? 7101;
  const masters = options.masters ?? 3;
  const timeout = options.timeout ?? 20_000;
  if (!Number.isInteger(masters) || masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const ports = Array.from({ length: masters }, (_, i) => basePort + i);
  for (const port of ports) {
    await assertPortFree(port, 'startRedisCluster');
    await assertPortFree(port + 10_000, 'startRedisCluster (cluster bus port)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'cache-redis-cluster-'));
  dirs.add(dir);
  const started: Spawned[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => killProcess(s.child)));
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  try {
    const deadline = Date.now() + timeout;
    for (const port of ports) {
      const args = baseArgs(port, dir).concat([
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
      ]);
      started.push(await spawnServer(port, args, dir, timeout));
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `${HOST}:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: Math.max(1_000, deadline - Date.now()) },
    );
    // Every node must see every slot served before a client can rely on the slot map.
    for (const port of ports) {
      let last = '';
      for (;;) {
        const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), 'cluster', 'info']);
        last = stdout;
        if (/cluster_state:ok/.test(stdout) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(stdout)) break;
        if (Date.now() > deadline) {
          throw new Error(`cluster node ${port} not ok after ${timeout} ms; CLUSTER INFO:\n${last}`);
        }
        await sleep(100);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => ({ host: HOST, port })), stop };
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port on loopback. Default: a free one picked by the OS. */
  port?: number;
  /**
   * Longest wait for the server to answer PING.
   * @default 10_000
   */
  timeout?: number;
}

/** Starts a private single `redis-server`, for tests that must kill or pause Redis. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisTestServer> {
  const port = options.port ?? (await freePort());
  const timeout = options.timeout ?? 10_000;
  await assertPortFree(port, 'startRedisServer');
  const dir = mkdtempSync(join(tmpdir(), 'cache-redis-'));
  dirs.add(dir);
  let current: Spawned | undefined = await spawnServer(port, baseArgs(port, dir), dir, timeout).catch((error) => {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw error;
  });
  const signal = (name: NodeJS.Signals): void => {
    if (!current) throw new Error(`redis-server on port ${port} is not running`);
    current.child.kill(name);
  };
  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    get pid() {
      return current?.child.pid;
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async kill() {
      if (current) await killProcess(current.child);
      current = undefined;
    },
    async restart() {
      if (current) await killProcess(current.child);
      current = await spawnServer(port, baseArgs(port, dir), dir, timeout);
    },
    async stop() {
      if (current) await killProcess(current.child);
      current = undefined;
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}
