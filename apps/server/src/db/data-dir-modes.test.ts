/**
 * The embedded data directory is owner-only: the folder 0700 while the server runs (nothing
 * under it reachable by another local user), every file 0600 and folder 0700 once it has closed.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from './database.ts';

const root = mkdtempSync(join(tmpdir(), 'agiletrack-modes-'));
const dataDir = join(root, 'data');
let database: Database;
// Opening a new PGlite directory runs initdb: seconds, far more on a loaded machine.
beforeAll(async () => {
  database = await openDatabase({ dataDir });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Every path under `dir` whose mode lets anyone but the owner in, with that mode.
function opened(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) found.push(`${path.slice(root.length)} ${mode.toString(8)}`);
  }
  return found;
}

it('keeps the PGlite files owner-only, while open and after close', async () => {
  expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
  expect((statSync(join(dataDir, 'pglite')).mode & 0o777).toString(8)).toBe('700');
  await database.close();
  expect(readdirSync(join(dataDir, 'pglite')).length).toBeGreaterThan(5);
  expect(opened(dataDir)).toEqual([]);
});
