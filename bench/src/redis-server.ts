/**
 * A private redis-server on a spare loopback port, for the outage scenario: it can be frozen
 * (SIGSTOP) without touching the shared Redis. It is killed on `stop()`, and also when the
 * process exits or is interrupted, whatever happened before.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { sleep } from './fixtures.ts';

/** A running private server. */
export interface PrivateRedis {
  readonly url: string;
  readonly pid: number;
  /** Freezes the server: connections stay open, nothing is answered. */
  freeze(): void;
  /** Lets a frozen server run again. */
  thaw(): void;
  /** Kills the server and waits for it to exit (at most 5 s). Safe to call twice. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, as the OS hands one out. */
async function sparePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

const live = new Set<ChildProcess>();

function killNow(child: ChildProcess): void {
  try {
    child.kill('SIGCONT');
  } catch {
    // Already gone.
  }
  try {
    child.kill('SIGKILL');
  } catch {
    // Already gone.
  }
}

let hooked = false;
function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  // 'exit' handlers must be synchronous: signal the children, nothing to await.
  process.on('exit', () => {
    for (const child of live) killNow(child);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of live) killNow(child);
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/**
 * Starts `redis-server` on a spare port (or `port`: a restart where the last one was) with
 * persistence off, and waits until it answers PING.
 */
export async function startPrivateRedis(options: { port?: number } = {}): Promise<PrivateRedis> {
  hookProcessExit();
  const port = options.port ?? (await sparePort());
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  live.add(child);
  const exited = once(child, 'exit');
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {}); // awaited in the race below; an error after start is not ours to report

  const stop = async (): Promise<void> => {
    if (!live.has(child)) return;
    live.delete(child);
    killNow(child);
    await Promise.race([exited, sleep(5_000)]);
  };
  try {
    const url = `redis://127.0.0.1:${port}`;
    await Promise.race([spawnError, waitForPing(url, Date.now() + 5_000)]);
    if (child.pid === undefined) throw new Error('redis-server has no pid');
    const pid = child.pid;
    return {
      url,
      pid,
      freeze: () => process.kill(pid, 'SIGSTOP'),
      thaw: () => process.kill(pid, 'SIGCONT'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForPing(url: string, deadline: number): Promise<void> {
  for (;;) {
    if (Date.now() > deadline) throw new Error(`private redis-server at ${url} did not answer PING within 5 s`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await sleep(50);
    } finally {
      client.disconnect();
    }
  }
}
