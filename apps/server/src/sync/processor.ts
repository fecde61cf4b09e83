/** The in-process queue's job: both sync steps, one after the other (BullMQ runs them as a flow). */

import type { JobProcessor } from '../jobs/types.ts';
import type { SyncDeps } from './deps.ts';
import { type SyncOptions, SyncService } from './service.ts';

/** The processor that runs a sync with `service`. */
export function syncProcessor(service: SyncService): JobProcessor {
  return async (job, progress) => {
    const fetched = await service.fetchAndStore(
      job.data.integrationId,
      job.id,
      (step, done, total) => progress({ step, done, ...(total !== undefined && { total }) }),
      { full: job.data.full },
    );
    const computed = await service.computeAndPublish(fetched);
    return { ...fetched, ...computed };
  };
}

/** Builds the processor the in-process queue runs, with its own sync service. */
export function createSyncProcessor(deps: SyncDeps, options: SyncOptions = {}): JobProcessor {
  return syncProcessor(new SyncService(deps, options));
}
