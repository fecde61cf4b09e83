/**
 * Building the dashboard with Vite's API (Node side, never bundled): the one Vite config, a
 * build into any folder (tests build into a temporary one), and "build only when out of date"
 * for `npm start`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_PREFIX } from '@agiletrack/domain';
import { build, defaultClientConditions, type InlineConfig } from 'vite';

/** apps/web */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where `npm run build:web` writes and the server reads: apps/web/dist. */
export const WEB_DIST = join(WEB_ROOT, 'dist');

// What goes into the bundle: the app and the two workspace packages it imports.
const SOURCES = [
  join(WEB_ROOT, 'src'),
  join(WEB_ROOT, 'index.html'),
  join(WEB_ROOT, 'package.json'),
  join(WEB_ROOT, '../../packages/cache/src'),
  join(WEB_ROOT, '../../packages/domain/src'),
];

/** The Vite config of the dashboard; `vite.config.ts` exports it for `vite` and `vite build`. */
export function dashboardConfig(command: 'build' | 'serve', outDir = WEB_DIST): InlineConfig {
  return {
    root: WEB_ROOT,
    configFile: false,
    // A build is always a production build, even when run from tests (NODE_ENV=test would
    // otherwise bundle React's development code).
    ...(command === 'build' && {
      mode: 'production',
      define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    }),
    oxc: { jsx: { runtime: 'automatic', development: command === 'serve' } },
    // The workspace packages are bundled from their TypeScript sources, not from a build of them.
    resolve: { conditions: ['@agiletrack/source', ...defaultClientConditions] },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      // Hashed file names under /assets are served as immutable by the server.
      assetsDir: 'assets',
      chunkSizeWarningLimit: 600,
    },
    server: { proxy: { [API_PREFIX]: 'http://127.0.0.1:3000' } },
  };
}

/** Builds the dashboard into `outDir`; resolves with the folder. */
export async function buildDashboard(outDir = WEB_DIST): Promise<string> {
  await build({ ...dashboardConfig('build', outDir), logLevel: 'warn' });
  return outDir;
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
  return SOURCES.every((source) => newestMtime(source) <= built);
}

/** Builds only when the build is missing or older than its sources; returns whether it built. */
export async function ensureDashboardBuilt(outDir = WEB_DIST): Promise<boolean> {
  if (isBuildCurrent(outDir)) return false;
  await buildDashboard(outDir);
  return true;
}
