/**
 * What the cached-read services share: how a read treats the cache, the cache options a policy
 * row gives a key, and the transaction wrapper that maps constraint violations to API errors.
 */
import type { CacheStatus } from '@agiletrack/cache';
import type { CachePolicy } from '@agiletrack/domain';
import type { AppDb } from '../db/database.ts';
import { AppError } from '../errors.ts';

/** How a read should treat the cache. */
export interface ReadOptions {
  /** Bypass every tier and refill them (`Cache-Control: no-cache`). */
  force?: boolean;
  /** Filled in with how the value was served. */
  status?: CacheStatus;
}

/** The `getOrSet` options of a key of policy row `kind`. */
export function cacheOptions(policy: CachePolicy, kind: keyof CachePolicy, options: ReadOptions, tags: string[]) {
  const row = policy[kind];
  // One object shape for every call (no conditional spread): the reads' hot path stays monomorphic.
  return { ttl: row.l2TtlMs, grace: row.graceMs, tags, forceFresh: options.force ?? false, status: options.status };
}

const isUniqueViolation = (error: unknown): boolean => {
  const cause = (error as { cause?: { code?: string }; code?: string }) ?? {};
  return cause.code === '23505' || cause.cause?.code === '23505';
};

/** Runs `run` in a transaction; a unique violation becomes `E_CONFLICT`. */
export async function inTransaction<T>(db: AppDb, run: (tx: AppDb) => Promise<T>): Promise<T> {
  try {
    return await db.transaction((tx) => run(tx as unknown as AppDb));
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (isUniqueViolation(error))
      throw new AppError('E_CONFLICT', 'a record with that name already exists', { cause: error });
    throw error;
  }
}
