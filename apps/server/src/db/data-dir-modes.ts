/**
 * The embedded data directory is private to the account that runs the server: PGlite creates
 * its files world-readable and writable (0666, whatever the umask), and they hold password
 * hashes, sessions and sealed credentials. The directory is made 0700, so nothing under it can be
 * reached by another local user while the server runs, and every file is made 0600 (folders 0700)
 * at start and again after PGlite has closed, so copies and backups keep the modes.
 */
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Makes `dir` and everything under it owner-only. Symbolic links are left alone. */
export function restrictDataDir(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) restrictDataDir(path);
    else if (entry.isFile() && (lstatSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
}
