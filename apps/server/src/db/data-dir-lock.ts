/**
 * One process at a time in an embedded data directory: PGlite does not lock its files, and a
 * second process writing them would lose its writes (or worse). The lock is a file holding the
 * owner's pid; a lock whose process is gone (a crash) is taken over. Taking and releasing the
 * lock also makes the directory owner-only (`data-dir-modes.ts`).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { restrictDataDir } from './data-dir-modes.ts';

/** Thrown when another live process holds the data directory (the server, usually). */
export class DataDirLockedError extends Error {
  readonly code = 'E_DATA_DIR_LOCKED';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`the server is running; use the API or stop it (process ${pid} holds ${dir})`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dir` (which must exist); returns the function that releases it. */
export function lockDataDir(dir: string): () => void {
  restrictDataDir(dir);
  const path = join(dir, 'agiletrack.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        rmSync(path, { force: true });
        // What the database created while it ran, now that it is closed (best effort: the
        // directory may be gone).
        try {
          restrictDataDir(dir);
        } catch {}
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirLockedError(dir, pid);
      // Left by a process that is gone: take it over.
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}
