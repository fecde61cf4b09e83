/**
 * A migrated in-memory PGlite database, made and dumped once per test run by the global setup:
 * embedded test servers load the dump instead of creating and migrating a database each, which
 * is several times faster (and what keeps them inside their time limits on a busy machine).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dumpDatabase, openDatabase } from '../db/database.ts';

/** The schema the template is migrated into; embedded test servers use it. */
export const TEMPLATE_SCHEMA = 'agiletrack_test';
/** The environment variable naming the dump file (set by the global setup for the workers). */
export const TEMPLATE_ENV = 'AGILETRACK_TEST_PGLITE_TEMPLATE';

/** Creates and migrates a database and writes its dump to `path`. */
export async function writePgliteTemplate(path: string): Promise<void> {
  const database = await openDatabase({ schema: TEMPLATE_SCHEMA });
  try {
    const dump = await dumpDatabase(database);
    await writeFile(path, new Uint8Array(await dump.arrayBuffer()));
  } finally {
    await database.close();
  }
}

let template: Promise<Blob | undefined> | undefined;

/** The dump the global setup wrote, read once per worker; undefined without one. */
export function pgliteTemplate(): Promise<Blob | undefined> {
  const path = process.env[TEMPLATE_ENV];
  if (!path) return Promise.resolve(undefined);
  template ??= readFile(path).then(
    (bytes) => new Blob([bytes], { type: 'application/x-tar' }),
    () => undefined,
  );
  return template;
}
