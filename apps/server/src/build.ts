/**
 * `npm run build`: the production build. The server is bundled with esbuild into
 * apps/server/dist/server (main.js, worker.js, cli.js and their shared chunks, with source maps): the
 * workspace packages are compiled in from their TypeScript sources, third-party packages stay
 * imports from node_modules. The dashboard is built with Vite into apps/web/dist. The database
 * template (a migrated, empty PGlite database) goes to apps/server/dist/database. Each output
 * records what it was built from (`.inputs.json`), so `npm start` (apps/server/start.mjs)
 * rebuilds only what is missing or older than its sources.
 *
 *   node --conditions=@agiletrack/source --import tsx apps/server/src/build.ts [server] [web] [database]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { buildDashboard, WEB_DIST, withBuildLock, writeBuildInputs } from '../../web/src/node/build.ts';
import { writeDatabaseTemplate } from './db/template.ts';
import { DATABASE_TEMPLATE_DIR, SERVER_DIST_DIR } from './paths.ts';

/** The repository's root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** What the server bundle is made of (folders are walked; test files do not count). */
export const SERVER_INPUTS = [
  'apps/server/src',
  'apps/server/package.json',
  'packages/cache/src',
  'packages/domain/src',
  'tools/api-simulator/src',
  'package-lock.json',
].map((path) => join(REPO_ROOT, path));

// Workspace packages are bundled from source; every other bare import stays an import.
const thirdPartyExternal: Plugin = {
  name: 'third-party-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@agiletrack/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** Bundles the server into `outDir`. */
export async function buildServer(outDir = SERVER_DIST_DIR): Promise<void> {
  const startedAt = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const src = join(REPO_ROOT, 'apps/server/src');
  await build({
    entryPoints: { main: join(src, 'main.ts'), worker: join(src, 'worker.ts'), cli: join(src, 'cli.ts') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.16',
    conditions: ['@agiletrack/source'],
    plugins: [thirdPartyExternal],
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeBuildInputs(outDir, SERVER_INPUTS, startedAt);
}

/** What `npm run build` makes. */
export type BuildPart = 'server' | 'web' | 'database';

/** What the database template is made from (start.mjs does not rebuild it: it only speeds up a first start). */
const DATABASE_INPUTS = ['apps/server/src/db/migrations', 'package-lock.json'].map((path) => join(REPO_ROOT, path));

/** Builds the parts named (all by default), side by side; resolves with what each took, in ms. */
export async function buildAll(
  parts: readonly BuildPart[] = ['server', 'web', 'database'],
): Promise<Record<string, number>> {
  const took: Record<string, number> = {};
  const timed = async (part: BuildPart, run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    took[part] = Math.round(performance.now() - started);
  };
  await Promise.all(
    parts.map((part) =>
      timed(part, async () => {
        if (part === 'server') await buildServer();
        else if (part === 'web') await withBuildLock(WEB_DIST, () => buildDashboard(WEB_DIST));
        else {
          const startedAt = Date.now();
          await writeDatabaseTemplate(DATABASE_TEMPLATE_DIR);
          writeBuildInputs(DATABASE_TEMPLATE_DIR, DATABASE_INPUTS, startedAt);
        }
      }),
    ),
  );
  return took;
}

const DONE: Record<BuildPart, string> = {
  server: 'the server into apps/server/dist/server',
  web: 'the dashboard into apps/web/dist',
  database: 'the database template into apps/server/dist/database',
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const asked = process.argv.slice(2).filter((part): part is BuildPart => part in DONE);
  try {
    const took = await buildAll(asked.length > 0 ? asked : undefined);
    for (const [part, ms] of Object.entries(took)) console.error(`built ${DONE[part as BuildPart]} (${ms} ms)`);
  } catch (error) {
    console.error('the build failed:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
