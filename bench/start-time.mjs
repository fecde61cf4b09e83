/**
 * How long `npm start` takes to a healthy /api/health, once: a first start (`fresh`: a new data
 * directory, which loads the build's database template) or a later one (`again`: the data
 * directory of the previous run). Prints `{"kind", "healthMs"}`, then stops the server with
 * SIGTERM and waits for it. Plain node, so the figure is the server's, not a loader's; run it
 * under farm-bench for the spread:
 *
 *   npm run build
 *   farm-bench -n 5 -- sh -c 'exec node bench/start-time.mjs fresh >> /tmp/start-fresh.txt'
 *   farm-bench -n 5 -- sh -c 'exec node bench/start-time.mjs again >> /tmp/start-again.txt'
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const kind = process.argv[2] === 'again' ? 'again' : 'fresh';
const root = resolve(fileURLToPath(import.meta.url), '../..');
// `again` reuses one directory across runs (made by its first run); `fresh` makes one each time.
const dataDir =
  kind === 'again' ? join(tmpdir(), 'agiletrack-start-again') : mkdtempSync(join(tmpdir(), 'agiletrack-start-'));

const port = await new Promise((done) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => done(free));
  });
});

const started = performance.now();
const child = spawn('npm', ['start'], {
  cwd: root,
  env: {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DEMO_PASSWORDS: 'fixed',
  },
  stdio: 'ignore',
});
const exited = new Promise((done) => child.once('exit', done));
let healthMs;
while (healthMs === undefined) {
  if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
  try {
    if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) healthMs = performance.now() - started;
  } catch {
    // not listening yet
  }
  if (healthMs === undefined) await new Promise((done) => setTimeout(done, 20));
}
child.kill('SIGTERM');
const code = await exited;
console.log(JSON.stringify({ kind, healthMs: Math.round(healthMs), exitCode: code }));
if (kind === 'fresh') rmSync(dataDir, { recursive: true, force: true });
