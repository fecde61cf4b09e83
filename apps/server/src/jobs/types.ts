/** The job queue interface: BullMQ with Redis, an in-process runner in embedded mode. */
import type { Job } from '@agiletrack/domain';

/** A job as the API shows it (the domain's schema). */
export type JobView = Job;

/** What the API needs from the queue. */
export interface JobQueue {
  /**
   * Every process sees the same jobs (BullMQ): a job this one does not know was lost. An
   * in-process queue knows only its own.
   */
  readonly shared?: boolean;
  /**
   * Enqueues a sync (then metrics) of one integration; resolves with the job id at once. A given
   * `jobId` that exists already is not enqueued twice (scheduled syncs use one id per period, so
   * several processes scheduling the same period make one job).
   */
  enqueueSync(
    input: { integrationId: number; teamId: number; full?: boolean | undefined },
    options?: { jobId?: string },
  ): Promise<{ jobId: string }>;
  /** A job by id, or undefined when unknown or expired (results are kept 1 hour). */
  getJob(jobId: string): Promise<JobView | undefined>;
  /**
   * Takes no more jobs and waits up to `graceMs` for those running here; true when none is left
   * running (the rest are abandoned: run again at the next start, or by another worker).
   */
  stop?(graceMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Runs one job; `progress` reports how far it got. Throw `UnrecoverableJobError` to skip retries. */
export type JobProcessor = (
  job: { id: string; name: JobView['name']; data: JobView['data']; attempt: number },
  progress: (value: number | Record<string, unknown>) => void,
) => Promise<unknown>;

/** A failure that retrying cannot fix (bad credentials): the job fails at once. */
export class UnrecoverableJobError extends Error {
  override name = 'UnrecoverableJobError';
}

/**
 * The two steps of a sync as BullMQ's workers run them: the fetch (`sync-integration`), whose
 * result the metrics step (`compute-metrics`) receives. The sync service provides them.
 */
export interface SyncSteps<Outcome> {
  fetchAndStore(
    integrationId: number,
    jobId: string,
    progress: (step: string, done: number, total?: number) => void,
    options: { full?: boolean | undefined },
  ): Promise<Outcome>;
  computeAndPublish(outcome: Outcome): Promise<object>;
  /**
   * The fetch's outcome now waits in the queue for the metrics step: its run stays alive while
   * `pending()` says the step is still to come, and counts as interrupted once it says no (the
   * queue lost it), so the sync is queued again.
   */
  handOver?(outcome: Outcome, pending: () => Promise<boolean>): void;
}
