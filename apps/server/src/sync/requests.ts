/**
 * Sync requests survive the loss of the queue. A request is durable in PostgreSQL before it is
 * queued: a `queued` run holds its job id and options, and only then is the job handed to the
 * queue, which makes it start sooner and no more. If the queue loses it (Redis restarted empty,
 * or unreachable when it was handed over), the reaper queues again, under the same job id and
 * options, every queued run a shared queue does not know. A job's status follows its run: a job
 * id handed out is answered from its run when the queue no longer knows it, and a run marked
 * interrupted shows its job failed whatever the queue still says. Every queue call has a deadline.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { AppDb } from '../db/database.ts';
import { integrations, syncRuns } from '../db/schema.ts';
import type { JobQueue, JobView } from '../jobs/types.ts';
import { INTERRUPTED, type InterruptedRun } from './runs.ts';

type SyncInput = { integrationId: number; teamId: number; full?: boolean | undefined };

/** Options of {@link DurableSyncQueue}; defaults here. */
export interface DurableSyncOptions {
  db: AppDb;
  logger: Logger;
  /** How long finished jobs stay readable (the queue's retention). */
  resultTtlMs: number;
  /** Told once a request is recorded (so last-sync shows it queued). */
  onQueued?(integrationId: number): Promise<unknown>;
  /** Longest wait for the queue on a request, a status read or a check. @default 1_000 */
  queueDeadlineMs?: number;
  /** A queued run is checked against the queue once it is this old (ms). @default 15_000 */
  lostAfterMs?: number;
}

const STATE_OF_RUN: Record<string, JobView['state']> = {
  queued: 'waiting',
  running: 'active',
  succeeded: 'completed',
  failed: 'failed',
};

/** The run behind a job, as the status read needs it. */
const RUN_OF_JOB = {
  status: syncRuns.status,
  error: syncRuns.error,
  stats: syncRuns.stats,
  full: syncRuns.fullResync,
  startedAt: syncRuns.startedAt,
  finishedAt: syncRuns.finishedAt,
  integrationId: syncRuns.integrationId,
  teamId: integrations.teamId,
};

/** See the file comment. */
export class DurableSyncQueue implements JobQueue {
  readonly shared: boolean;
  readonly #o: Required<Omit<DurableSyncOptions, 'onQueued'>> & Pick<DurableSyncOptions, 'onQueued'>;

  constructor(
    readonly queue: JobQueue,
    options: DurableSyncOptions,
  ) {
    this.shared = queue.shared === true;
    this.#o = { queueDeadlineMs: 1_000, lostAfterMs: 15_000, ...options };
  }

  /**
   * A request: recorded as a queued run, then handed to the queue (answered even if the queue
   * cannot take it now). Callers that name their job (periodic syncs, one id per period) go to
   * the queue only: its id makes several processes agree, and the next period asks again.
   */
  async enqueueSync(input: SyncInput, options: { jobId?: string } = {}): Promise<{ jobId: string }> {
    if (options.jobId !== undefined) return this.#bounded(this.queue.enqueueSync(input, options));
    const jobId = randomUUID();
    await this.#record(input, jobId);
    return { jobId: await this.#hand(input, jobId) };
  }

  /** Queues an interrupted run's sync again with its options, recorded first, as job `jobId`. */
  async requeueRun(run: InterruptedRun, jobId: string): Promise<void> {
    const input = { integrationId: run.integrationId, teamId: run.teamId, ...(run.full && { full: true }) };
    await this.#record(input, jobId);
    await this.#hand(input, jobId);
  }

  async getJob(jobId: string): Promise<JobView | undefined> {
    const [view, run] = await Promise.all([
      this.#bounded(this.queue.getJob(jobId)).catch(() => undefined),
      this.#o.db
        .select(RUN_OF_JOB)
        .from(syncRuns)
        .innerJoin(integrations, eq(integrations.id, syncRuns.integrationId))
        .where(eq(syncRuns.jobId, jobId))
        .orderBy(desc(syncRuns.id))
        .limit(1)
        .then(([row]) => row)
        // The database unreachable: the queue's word is all there is.
        .catch(() => undefined),
    ]);
    if (run === undefined) return view;
    // The process running it died: whatever the queue says until its lock lapses, it failed.
    if (run.status === 'failed' && run.error === INTERRUPTED) return fromRun(jobId, run, view);
    if (view !== undefined) return view;
    if (run.finishedAt !== null) {
      // An in-process queue forgets a finished job at its retention; a shared one may have lost it.
      if (!this.shared || Date.now() - run.finishedAt.getTime() >= this.#o.resultTtlMs) return undefined;
    }
    return fromRun(jobId, run, undefined);
  }

  /**
   * Queues again the queued runs a shared queue does not know (lost with Redis, or never handed
   * over); a run whose job the queue finished without running it is marked failed. Returns how
   * many were queued again.
   */
  async requeueLost(): Promise<number> {
    if (!this.shared) return 0;
    const rows = await this.#o.db
      .select({ runId: syncRuns.id, jobId: syncRuns.jobId, ...RUN_OF_JOB })
      .from(syncRuns)
      .innerJoin(integrations, eq(integrations.id, syncRuns.integrationId))
      .where(
        and(
          eq(syncRuns.status, 'queued'),
          lt(syncRuns.startedAt, sql`now() - ${this.#o.lostAfterMs} * interval '1 millisecond'`),
        ),
      )
      .orderBy(syncRuns.id)
      .limit(100);
    let requeued = 0;
    for (const row of rows) {
      if (row.jobId === null) continue;
      const view = await this.#bounded(this.queue.getJob(row.jobId));
      if (view === undefined) {
        const input = { integrationId: row.integrationId, teamId: row.teamId, ...(row.full && { full: true }) };
        await this.#bounded(this.queue.enqueueSync(input, { jobId: row.jobId }));
        requeued++;
      } else if (view.state === 'completed' || view.state === 'failed') {
        await this.#o.db
          .update(syncRuns)
          .set({ status: 'failed', error: view.failedReason ?? 'its job ended before it ran', finishedAt: sql`now()` })
          .where(and(eq(syncRuns.id, row.runId), eq(syncRuns.status, 'queued')));
      }
    }
    return requeued;
  }

  stop(graceMs: number): Promise<boolean> {
    return this.queue.stop?.(graceMs) ?? Promise.resolve(true);
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  async #record(input: SyncInput, jobId: string): Promise<void> {
    await this.#o.db
      .insert(syncRuns)
      .values({ integrationId: input.integrationId, jobId, status: 'queued', fullResync: input.full === true });
    await this.#o
      .onQueued?.(input.integrationId)
      .catch((error: Error) =>
        this.#o.logger.warn({ err: error.message }, 'sync request: could not invalidate its last-sync'),
      );
  }

  /** Hands a recorded request to the queue; returns the job id the request answers with. */
  async #hand(input: SyncInput, jobId: string): Promise<string> {
    try {
      const { jobId: queued } = await this.#bounded(this.queue.enqueueSync(input, { jobId }));
      if (queued !== jobId) {
        // The queue joined it to a sync of the integration already waiting: that job answers.
        await this.#o.db.delete(syncRuns).where(and(eq(syncRuns.jobId, jobId), eq(syncRuns.status, 'queued')));
      }
      return queued;
    } catch (error) {
      // Recorded already: the reaper hands it over once the queue answers again.
      this.#o.logger.warn({ err: (error as Error).message, jobId }, 'sync request recorded, not queued yet');
      return jobId;
    }
  }

  /** `work`, or a rejection once the queue took longer than its deadline (the call goes on). */
  #bounded<T>(work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the job queue did not answer within ${this.#o.queueDeadlineMs} ms`)),
        this.#o.queueDeadlineMs,
      );
    });
    work.catch(() => {}); // it may fail after the deadline: nobody waits for it then
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }
}

/** A job as its run tells it (the queue's progress and attempts where it still has them). */
function fromRun(
  jobId: string,
  run: {
    status: string;
    error: string | null;
    stats: Record<string, unknown> | null;
    full: boolean;
    startedAt: Date;
    finishedAt: Date | null;
    integrationId: number;
    teamId: number;
  },
  view: JobView | undefined,
): JobView {
  return {
    id: jobId,
    name: view?.name ?? 'compute-metrics',
    state: STATE_OF_RUN[run.status] ?? 'unknown',
    progress: view?.progress ?? 0,
    data: { integrationId: run.integrationId, teamId: run.teamId, ...(run.full && { full: true }) },
    result: run.status === 'succeeded' ? (run.stats ?? null) : null,
    failedReason: run.status === 'failed' ? run.error : null,
    attempts: view?.attempts ?? 0,
    createdAt: view?.createdAt ?? run.startedAt.getTime(),
    finishedAt: run.finishedAt?.getTime() ?? null,
  };
}
