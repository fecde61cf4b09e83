/**
 * The database a new embedded data directory starts from: made once by `npm run build`
 * (migrated, empty, gzipped) so that a first start loads it instead of creating a database,
 * which costs PGlite several seconds. Used only when it was made by the installed PGlite and for
 * the default schema; later migrations apply on top as usual.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { DATABASE_TEMPLATE_DIR } from '../paths.ts';
import { openDatabase } from './database.ts';

const FILE = 'pglite.tar.gz';
const INFO = 'template.json';
const SCHEMA = 'public';

// The installed PGlite's version (its package.json, found above its entry point: the package does
// not export that file).
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Makes the template in `dir` (the build). */
export async function writeDatabaseTemplate(dir = DATABASE_TEMPLATE_DIR): Promise<void> {
  const database = await openDatabase({ schema: SCHEMA });
  try {
    const dump = await (database.sql as unknown as PGlite).dumpDataDir('gzip');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, FILE), new Uint8Array(await dump.arrayBuffer()));
    writeFileSync(join(dir, INFO), `${JSON.stringify({ pglite: pgliteVersion() })}\n`);
  } finally {
    await database.close();
  }
}

/**
 * The template for a data directory, when it has no database yet and a usable template exists;
 * undefined otherwise (PGlite then creates the database itself).
 */
export function databaseTemplate(dataDir: string, schema: string, dir = DATABASE_TEMPLATE_DIR): Blob | undefined {
  if (schema !== SCHEMA || existsSync(join(dataDir, 'pglite', 'PG_VERSION'))) return undefined;
  try {
    const info = JSON.parse(readFileSync(join(dir, INFO), 'utf8')) as { pglite?: unknown };
    if (info.pglite !== pgliteVersion()) return undefined;
    return new Blob([readFileSync(join(dir, FILE))], { type: 'application/gzip' });
  } catch {
    return undefined;
  }
}
