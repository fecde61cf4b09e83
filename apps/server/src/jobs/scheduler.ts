/**
 * Periodic syncs: every integration with `syncIntervalMinutes` is synced once per interval. The
 * job id is derived from the integration and the period, so every process that runs the
 * scheduler (API instances, workers) enqueues the same job and the queue keeps one.
 */
import { createHash } from 'node:crypto';
import { isNotNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { AppDb } from '../db/database.ts';
import { integrations } from '../db/schema.ts';
import type { JobQueue } from './types.ts';

/** A UUID-shaped id derived from `text` (so scheduled jobs read like any other job id). */
export function stableJobId(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Options of the scheduler. */
export interface SchedulerOptions {
  db: AppDb;
  jobs: JobQueue;
  logger: Logger;
  /** How often due syncs are looked for. @default 60_000 */
  checkEveryMs?: number;
  now?: () => number;
}

/** Enqueues the syncs due now; returns how many were asked for. */
export async function enqueueDueSyncs(options: SchedulerOptions): Promise<number> {
  const now = (options.now ?? Date.now)();
  const rows = await options.db
    .select({ id: integrations.id, teamId: integrations.teamId, minutes: integrations.syncIntervalMinutes })
    .from(integrations)
    .where(isNotNull(integrations.syncIntervalMinutes));
  for (const row of rows) {
    const period = Math.floor(now / (row.minutes! * 60_000));
    await options.jobs.enqueueSync(
      { integrationId: row.id, teamId: row.teamId },
      { jobId: stableJobId(`sync:${row.id}:${row.minutes}:${period}`) },
    );
  }
  return rows.length;
}

/** Starts checking periodically; returns the function that stops it. */
export function startScheduler(options: SchedulerOptions): () => void {
  const tick = () =>
    enqueueDueSyncs(options).catch((error: Error) =>
      options.logger.warn({ err: error.message }, 'scheduled syncs: check failed'),
    );
  const timer = setInterval(tick, options.checkEveryMs ?? 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
