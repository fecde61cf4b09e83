/**
 * What `npm run bench:http` does with server processes: start a TypeScript entry point and wait for
 * its ready line, stop it, log in as the demo admin, wait for the demo's first sync. Every child is
 * killed when the bench exits, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `npm start`'s entry point. */
export const MAIN = join(ROOT, 'apps/server/src/main.ts');
const DEMO_ADMIN = { email: 'admin@agiletrack.demo', password: 'demo-admin-pass' }; // DEMO_PASSWORDS=fixed

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Spawns a TypeScript entry point; resolves with the child and the first stdout match of `pattern`. */
export function spawnTs(
  file: string,
  env: Record<string, string>,
  pattern: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--conditions=@agiletrack/source', '--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // The output is kept for error messages: all of it until ready, the last 8 KB after.
  let output = '';
  let ready = false;
  const keep = (chunk: Buffer) => {
    output += String(chunk);
    if (ready && output.length > 16_384) output = output.slice(-8_192);
  };
  outputs.set(child, () => output);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      keep(chunk);
      if (ready) return;
      const match = pattern.exec(output);
      if (match) {
        ready = true;
        resolve({ child, match });
      }
    };
    // The banner is on stderr (logs are on stdout): either stream may carry the ready line.
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready:\n${output}`)));
  });
}

const outputs = new WeakMap<ChildProcess, () => string>();

/** The last output of a child `spawnTs` started (its first lines until it was ready). */
export function outputOf(child: ChildProcess): string {
  return outputs.get(child)?.() ?? '';
}

/** Stops a child with SIGTERM and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * CPU time (user + system, ms) a process has used so far, all its threads, from `/proc` (Linux);
 * undefined elsewhere. Less disturbed than requests per second by other work on a shared machine.
 */
export function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / 100; // clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

/** Whether something accepts TCP connections at the URL's host and port. */
export function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
  });
}

/** Logs in as the demo admin; returns the `cookie` request header. */
export async function loginCookie(base: string): Promise<string> {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify(DEMO_ADMIN),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** Waits (at most two minutes) until no demo integration is still syncing: its invalidations would disturb the cases. */
export async function waitForDemoSync(base: string, cookie: string): Promise<void> {
  const get = async <T>(path: string) => (await (await fetch(`${base}${path}`, { headers: { cookie } })).json()) as T;
  const deadline = Date.now() + 120_000;
  for (;;) {
    let busy = false;
    for (const team of (await get<{ teams: { id: number }[] }>('/api/teams')).teams) {
      const list = await get<{ integrations: { id: number }[] }>(`/api/teams/${team.id}/integrations`);
      for (const integration of list.integrations) {
        const { lastSync } = await get<{ lastSync: { status: string } | null }>(
          `/api/integrations/${integration.id}/last-sync`,
        );
        if (!lastSync || ['never', 'queued', 'running'].includes(lastSync.status)) busy = true;
      }
    }
    if (!busy || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
