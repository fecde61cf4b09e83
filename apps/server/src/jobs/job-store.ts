/** Where the in-process queue keeps its jobs across restarts: the application database. */
import { eq, inArray } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { queuedJobs } from '../db/schema.ts';
import type { JobView } from './types.ts';

/** What the in-process queue needs from a store. */
export interface JobStore {
  load(): Promise<JobView[]>;
  /** Inserts or replaces one job. */
  save(job: JobView): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
}

/** Keeps jobs in the `queued_jobs` table. */
export function databaseJobStore(db: AppDb): JobStore {
  return {
    async load() {
      const rows = await db.select().from(queuedJobs);
      return rows.map((row) => ({
        id: row.id,
        name: row.name as JobView['name'],
        state: row.state as JobView['state'],
        progress: (row.progress ?? 0) as JobView['progress'],
        data: row.data,
        result: row.result ?? null,
        failedReason: row.failedReason,
        attempts: row.attempts,
        createdAt: row.createdAt,
        finishedAt: row.finishedAt,
      }));
    },
    async save(job) {
      const values = {
        name: job.name,
        state: job.state,
        data: job.data,
        progress: job.progress,
        result: job.result ?? null,
        failedReason: job.failedReason,
        attempts: job.attempts,
        createdAt: job.createdAt,
        finishedAt: job.finishedAt,
      };
      await db
        .insert(queuedJobs)
        .values({ id: job.id, ...values })
        .onConflictDoUpdate({ target: queuedJobs.id, set: values });
    },
    async remove(ids) {
      if (ids.length === 1) await db.delete(queuedJobs).where(eq(queuedJobs.id, ids[0]!));
      else if (ids.length > 1) await db.delete(queuedJobs).where(inArray(queuedJobs.id, [...ids]));
    },
  };
}
