/**
 * Where the server finds the repository's other outputs (the dashboard's build, the database
 * template). It runs from its sources (apps/server/src/…) or its build (apps/server/dist/server),
 * at different depths, so the folder holding the apps is looked up rather than assumed. The
 * migrations are read from the sources in both cases.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function appsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'web', 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** apps/ */
export const APPS_DIR = appsDir();

/** Where `npm run build` writes the dashboard. */
export const WEB_DIST_DIR = join(APPS_DIR, 'web', 'dist');

/** Where `npm run build` writes the server bundle. */
export const SERVER_DIST_DIR = join(APPS_DIR, 'server', 'dist', 'server');

/** Where `npm run build` writes the migrated, empty embedded database new data directories start from. */
export const DATABASE_TEMPLATE_DIR = join(APPS_DIR, 'server', 'dist', 'database');

/** The SQL migrations drizzle-kit generates from the schema (`npm run db:generate`). */
export const MIGRATIONS_DIR = join(APPS_DIR, 'server', 'src', 'db', 'migrations');
