/**
 * Building the dashboard with Vite's API (Node side, never bundled): the one Vite config, a
 * build into any folder (tests build into a temporary one), and "build only when out of date"
 * for `npm start`.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { API_PREFIX, ROUTES, routePath } from '@agiletrack/domain';
import { build, defaultClientConditions, type InlineConfig, type Plugin } from 'vite';

/** apps/web */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where `npm run build:web` writes and the server reads: apps/web/dist. */
export const WEB_DIST = join(WEB_ROOT, 'dist');

/** What goes into the bundle: the app and the two workspace packages it imports. */
export const DASHBOARD_INPUTS = [
  join(WEB_ROOT, 'src'),
  join(WEB_ROOT, 'index.html'),
  join(WEB_ROOT, 'package.json'),
  join(WEB_ROOT, '../../packages/cache/src'),
  join(WEB_ROOT, '../../packages/domain/src'),
  join(WEB_ROOT, '../../package-lock.json'),
];

/** The URLs `app/entry-routes.ts` receives. */
const ENTRY_ROUTES = { me: routePath(ROUTES['me.get']), login: routePath(ROUTES['auth.login']) };

/** The Vite config of the dashboard; `vite.config.ts` exports it for `vite` and `vite build`. */
export function dashboardConfig(command: 'build' | 'serve', outDir = WEB_DIST): InlineConfig {
  return {
    root: WEB_ROOT,
    configFile: false,
    // A build is always a production build, even when run from tests (NODE_ENV=test would
    // otherwise bundle React's development code).
    ...(command === 'build' && { mode: 'production' }),
    define: {
      ...(command === 'build' && { 'process.env.NODE_ENV': JSON.stringify('production') }),
      // The two URLs the first screen uses, from the route table: the entry chunk does not
      // carry the table (and zod) to check a session and log in (app/entry-routes.ts).
      __ENTRY_ROUTES__: JSON.stringify(ENTRY_ROUTES),
    },
    oxc: { jsx: { runtime: 'automatic', development: command === 'serve' } },
    // The workspace packages are bundled from their TypeScript sources, not from a build of them.
    resolve: { conditions: ['@agiletrack/source', ...defaultClientConditions] },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      // Hashed file names under /assets are served as immutable by the server.
      assetsDir: 'assets',
      // .vite/manifest.json: which chunks each page needs (the bundle report reads it).
      manifest: true,
      chunkSizeWarningLimit: 600,
    },
    server: { proxy: { [API_PREFIX]: 'http://127.0.0.1:3000' } },
    plugins: [precompressPlugin()],
  };
}

/** Compresses the build's files once written (`vite build` and {@link buildDashboard} alike). */
function precompressPlugin(): Plugin {
  return {
    name: 'agiletrack:precompress',
    apply: 'build',
    writeBundle(options) {
      if (options.dir) precompress(options.dir);
    },
  };
}

/** The file a build keeps its inputs in: `npm start` (apps/server/start.mjs) rebuilds when one is newer. */
export const BUILD_INPUTS_FILE = '.inputs.json';

/** Records what `outDir` was built from (paths relative to it, so the checkout can move). */
export function writeBuildInputs(outDir: string, inputs: readonly string[], builtAt: number): void {
  const record = { builtAt, inputs: inputs.map((path) => relative(outDir, path)) };
  writeFileSync(join(outDir, BUILD_INPUTS_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** Builds the dashboard into `outDir`; resolves with the folder. */
export async function buildDashboard(outDir = WEB_DIST): Promise<string> {
  // Inputs changed while the build runs are newer than its record: the next start builds again.
  const startedAt = Date.now();
  await build({ ...dashboardConfig('build', outDir), logLevel: 'warn' });
  writeBuildInputs(outDir, DASHBOARD_INPUTS, startedAt);
  return outDir;
}

/** The files worth compressing; smaller ones go out as they are (the server's rule too). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.txt', '.webmanifest']);
const MIN_COMPRESSED_BYTES = 1024;

/**
 * Writes `file.br` (brotli, best) and `file.gz` (gzip -9) beside every compressible file of the
 * build: the server sends the one the browser asks for, so nothing is compressed per request.
 */
export function precompress(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      precompress(path);
      continue;
    }
    if (!COMPRESSIBLE.has(extname(entry.name))) continue;
    const bytes = readFileSync(path);
    if (bytes.length < MIN_COMPRESSED_BYTES) continue;
    writeFileSync(
      `${path}.br`,
      brotliCompressSync(bytes, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
      }),
    );
    writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
  }
}

/** The newest modification time under `path` (a file or a folder), test files excluded. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.includes('.test.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

/** Whether `outDir` holds a build at least as new as every source file. */
export function isBuildCurrent(outDir = WEB_DIST): boolean {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return DASHBOARD_INPUTS.every((source) => newestMtime(source) <= built);
}

/**
 * Runs `build` holding the lock of `outDir`'s build: processes that build at once (browser test
 * files in parallel, a server starting beside them) take turns instead of overwriting each other.
 */
export async function withBuildLock<T>(outDir: string, build: () => Promise<T>): Promise<T> {
  const lock = join(dirname(outDir), `.${basename(outDir)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`${lock} held for 3 minutes: remove it if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await build();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Builds only when the build is missing or older than its sources; returns whether it built. */
export function ensureDashboardBuilt(outDir = WEB_DIST): Promise<boolean> {
  return withBuildLock(outDir, async () => {
    // Checked under the lock: another process may have just built it.
    if (isBuildCurrent(outDir)) return false;
    await buildDashboard(outDir);
    return true;
  });
}
