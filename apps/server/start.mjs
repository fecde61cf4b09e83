/**
 * `npm start` (and `npm run worker`): runs the built server with plain `node`, in this one
 * process, so the signals Docker, systemd or Ctrl-C send reach the server itself. Builds first
 * only what is missing or older than its sources (`npm run build` builds both ahead of time):
 * each output's `.inputs.json` lists what it was built from.
 *
 *   node apps/server/start.mjs [main|worker]
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The database template (apps/server/dist/database) is left to `npm run build`: it only makes the
// first start of a new data directory faster, and making it costs more than it saves once.
const OUTPUTS = { server: join(root, 'apps/server/dist/server'), web: join(root, 'apps/web/dist') };
const entry = process.argv[2] === 'worker' ? 'worker' : 'main';

// The newest modification time under `path`, test files and dependencies left out.
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return Number.POSITIVE_INFINITY; // an input that vanished: build again
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.includes('.test.')) continue;
    latest = Math.max(latest, newest(join(path, entry.name)));
  }
  return latest;
}

// Whether the output in `dir` is missing or older than one of its inputs.
function stale(dir) {
  const file = join(dir, '.inputs.json');
  if (!existsSync(file)) return true;
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(file, 'utf8'));
    return inputs.some((input) => newest(resolve(dir, input)) > builtAt);
  } catch {
    return true;
  }
}

// Runs the build in a child process (it needs the dev tools: tsx, esbuild, Vite); a signal that
// arrives meanwhile reaches it, and this process ends when it does.
function build(parts) {
  return new Promise((resolveBuild) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@agiletrack/source', '--import', 'tsx', join(root, 'apps/server/src/build.ts'), ...parts],
      { cwd: root, stdio: 'inherit' },
    );
    const forward = (signal) => {
      child.kill(signal);
      child.once('exit', () => process.exit(0));
    };
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('error', (error) => resolveBuild(error.message));
    child.on('exit', (code) => {
      process.removeListener('SIGINT', forward);
      process.removeListener('SIGTERM', forward);
      resolveBuild(code === 0 ? undefined : `the build exited with code ${code}`);
    });
  });
}

const parts = Object.keys(OUTPUTS).filter((part) =>
  part === 'web' && entry === 'worker' ? false : stale(OUTPUTS[part]),
);
if (parts.length > 0) {
  console.error(`building ${parts.join(' and ')} (missing or older than the sources)…`);
  const failed = await build(parts);
  if (failed) {
    const runnable = existsSync(join(OUTPUTS.server, `${entry}.js`));
    console.error(`${failed}${runnable ? '; starting the previous build' : ''}`);
    if (!runnable) process.exit(1);
  }
}
process.setSourceMapsEnabled(true);
await import(pathToFileURL(join(OUTPUTS.server, `${entry}.js`)).href);
