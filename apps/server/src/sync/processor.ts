/** The sync job: fetch from the integration, store work items, compute metrics (issue 5). */
import type { AppDeps } from '../http/app.ts';
import { type JobProcessor, UnrecoverableJobError } from '../jobs/memory-queue.ts';

/** Builds the processor the job queues run. */
export function createSyncProcessor(_deps: Omit<AppDeps, 'jobs'>): JobProcessor {
  return async () => {
    throw new UnrecoverableJobError('syncing integrations is not available yet');
  };
}
