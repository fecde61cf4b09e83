/**
 * The job queue with Redis: BullMQ. A sync is a flow — `compute-metrics` (parent) runs after
 * `sync-integration` (child) — with retries and exponential backoff on the fetch step, progress
 * reported by the fetch. Both jobs are unreadable `JOB_RESULT_TTL_MS` after they finish and removed
 * then by BullMQ (when a later job completes) or by the periodic clean, whichever comes first. A
 * worker that dies mid-job is not retried by BullMQ's stalled-job check (`maxStalledCount: 0`):
 * the sync run's heartbeat tells, and the run reaper queues the sync again.
 * Workers run in the API process unless `RUN_WORKER=false` (then `npm run worker` runs them).
 */
import { randomUUID } from 'node:crypto';
import { FlowProducer, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type JobQueue, type JobView, type SyncSteps, UnrecoverableJobError } from './types.ts';

/** Queue names (within the prefix). */
export const SYNC_QUEUE = 'agiletrack-sync';
export const METRICS_QUEUE = 'agiletrack-metrics';

/** Options of the BullMQ queue. */
export interface BullmqQueueOptions {
  /** A Redis URL, or the nodes of a Redis Cluster (then the prefix is made a hash tag). */
  redis: string | readonly { host: string; port: number }[];
  /** Key prefix, e.g. `agiletrack:v1:bull`. */
  prefix: string;
  resultTtlMs: number;
  logger: Logger;
  /** Run workers in this process. */
  workers?: { service: SyncSteps<object>; concurrency?: number } | undefined;
  /** Attempts of the fetch step. @default 5 */
  attempts?: number;
  /** First backoff delay of the fetch step (ms). @default 2_000 */
  backoffMs?: number;
  /** How often finished jobs past their retention are removed (ms). @default 60_000 */
  cleanEveryMs?: number;
  now?: () => number;
}

const STATES: Record<string, JobView['state']> = {
  waiting: 'waiting',
  'waiting-children': 'active',
  prioritized: 'waiting',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
  delayed: 'delayed',
};

/**
 * Reports a fetch's progress to BullMQ without waiting: one write at a time, the latest value
 * next. A write can fail (Redis restarted empty: "Missing key for job") or hang (Redis frozen):
 * progress is informative, so a failure is logged and the sync goes on.
 */
function progressOf(job: Job, logger: Logger): (step: string, done: number, total?: number) => void {
  let writing = false;
  let next: object | undefined;
  const write = (value: object) => {
    writing = true;
    job
      .updateProgress(value)
      .catch((error: Error) => logger.warn({ job: job.id, err: error.message }, 'job progress not saved'))
      .finally(() => {
        writing = false;
        const latest = next;
        next = undefined;
        if (latest) write(latest);
      })
      .catch(() => {});
  };
  return (step, done, total) => {
    const value = { step, done, ...(total !== undefined && { total }) };
    if (writing) next = value;
    else write(value);
  };
}

/** See the file comment. */
export class BullmqJobQueue implements JobQueue {
  readonly shared = true;
  readonly #connection: Redis | Cluster;
  readonly #flow: FlowProducer;
  readonly #sync: Queue;
  readonly #metrics: Queue;
  readonly #workers: Worker[] = [];
  readonly #workerConnections: (Redis | Cluster)[] = [];
  readonly #prefix: string;
  readonly #o: BullmqQueueOptions;
  readonly #now: () => number;
  readonly #cleaner: ReturnType<typeof setInterval>;

  constructor(options: BullmqQueueOptions) {
    this.#o = options;
    // BullMQ needs its own connections: blocking commands, and retries that never give up.
    this.#connection = this.#connect();
    // In a cluster every key of a queue must share a slot: a hash-tag prefix does that.
    this.#prefix = typeof options.redis === 'string' ? options.prefix : `{${options.prefix}}`;
    const common = { connection: this.#connection, prefix: this.#prefix };
    this.#flow = new FlowProducer(common);
    this.#sync = new Queue(SYNC_QUEUE, common);
    this.#metrics = new Queue(METRICS_QUEUE, common);
    const problem = (error: Error) => options.logger.warn({ err: error.message }, 'job queue connection problem');
    this.#flow.on('error', problem);
    this.#sync.on('error', problem);
    this.#metrics.on('error', problem);
    if (options.workers) this.startWorkers(options.workers.service, options.workers.concurrency ?? 2);
    this.#now = options.now ?? Date.now;
    this.#cleaner = setInterval(
      () => void this.clean().catch((error: Error) => options.logger.warn({ err: error.message }, 'job clean failed')),
      options.cleanEveryMs ?? 60_000,
    );
    this.#cleaner.unref();
  }

  /** Removes finished jobs older than the retention from both queues; returns how many. */
  async clean(): Promise<number> {
    let removed = 0;
    for (const queue of [this.#metrics, this.#sync]) {
      for (const state of ['completed', 'failed'] as const) {
        removed += (await queue.clean(this.#o.resultTtlMs, 1_000, state)).length;
      }
    }
    return removed;
  }

  /** Starts the two workers (the API process, or `npm run worker`). */
  startWorkers<Outcome extends object>(service: SyncSteps<Outcome>, concurrency = 2): void {
    const connection = this.#connect();
    this.#workerConnections.push(connection);
    const common = { connection, prefix: this.#prefix };
    const fetchWorker = new Worker(
      SYNC_QUEUE,
      async (job: Job) => {
        try {
          // The run records the flow's id (the parent's): the id the API hands out and accepts.
          const flowId = job.parent?.id ?? job.id!;
          const outcome = await service.fetchAndStore(job.data.integrationId, flowId, progressOf(job, this.#o.logger), {
            full: job.data.full,
          });
          const parentId = job.parent?.id;
          if (parentId === undefined) return outcome;
          if (!(await this.#pending(parentId))) {
            // Redis lost the flow while the fetch ran (restarted empty): the metrics step would never run.
            this.#o.logger.warn({ job: parentId }, 'the queue lost the metrics step of a sync: computing it here');
            await service.computeAndPublish(outcome);
          } else service.handOver?.(outcome, () => this.#pending(parentId));
          return outcome;
        } catch (error) {
          // BullMQ's own class is what stops its retries.
          if (error instanceof UnrecoverableJobError) throw new UnrecoverableError(error.message);
          throw error;
        }
      },
      { ...common, concurrency, maxStalledCount: 0 },
    );
    const computeWorker = new Worker(
      METRICS_QUEUE,
      async (job: Job) => {
        const values = await job.getChildrenValues<Outcome>();
        const outcome = Object.values(values)[0];
        if (!outcome) throw new UnrecoverableError('the sync step left no result');
        return { ...outcome, ...(await service.computeAndPublish(outcome)) };
      },
      { ...common, concurrency, maxStalledCount: 0 },
    );
    for (const worker of [fetchWorker, computeWorker]) {
      worker.on('failed', (job, error) =>
        this.#o.logger.warn({ job: job?.id, queue: worker.name, err: error.message }, 'job failed'),
      );
      worker.on('error', (error) => this.#o.logger.warn({ err: error.message }, 'worker error'));
      this.#workers.push(worker);
    }
  }

  /** Whether the metrics step of flow `id` is still to run (false once Redis lost it). */
  async #pending(id: string): Promise<boolean> {
    const state = await this.#metrics.getJobState(id);
    return state !== 'unknown' && state !== 'completed' && state !== 'failed';
  }

  #connect(): Redis | Cluster {
    const target = this.#o.redis;
    const connection =
      typeof target === 'string'
        ? new Redis(target, { maxRetriesPerRequest: null })
        : new Cluster([...target], { redisOptions: { maxRetriesPerRequest: null } });
    connection.on('error', () => {});
    return connection;
  }

  async enqueueSync(
    data: { integrationId: number; teamId: number; full?: boolean | undefined },
    options: { jobId?: string } = {},
  ): Promise<{ jobId: string }> {
    const age = Math.ceil(this.#o.resultTtlMs / 1000);
    const retention = { removeOnComplete: { age }, removeOnFail: { age } };
    const jobId = options.jobId ?? randomUUID();
    // BullMQ would accept a duplicate flow id for the child; check the parent ourselves.
    if (options.jobId !== undefined && (await this.#metrics.getJobState(jobId)) !== 'unknown') return { jobId };
    await this.#flow.add({
      name: 'compute-metrics',
      queueName: METRICS_QUEUE,
      data,
      opts: { jobId, ...retention },
      children: [
        {
          name: 'sync-integration',
          queueName: SYNC_QUEUE,
          data,
          opts: {
            jobId: `${jobId}-fetch`,
            attempts: this.#o.attempts ?? 5,
            backoff: { type: 'exponential', delay: this.#o.backoffMs ?? 2_000 },
            failParentOnFailure: true,
            ...retention,
          },
        },
      ],
    });
    return { jobId };
  }

  async getJob(jobId: string): Promise<JobView | undefined> {
    // State first, then the data: read the other way round, a job finishing in between would
    // show as completed with the result it did not have yet.
    const rawState = await this.#metrics.getJobState(jobId);
    const parent = await this.#metrics.getJob(jobId);
    if (!parent || rawState === 'unknown') return undefined;
    // Unreadable once past its retention, whether or not it was removed yet.
    if (parent.finishedOn && this.#now() - parent.finishedOn >= this.#o.resultTtlMs) return undefined;
    const child = await this.#sync.getJob(`${jobId}-fetch`);
    const state = STATES[rawState] ?? 'unknown';
    const active = state !== 'completed' && state !== 'failed';
    return {
      id: jobId,
      name: 'compute-metrics',
      state,
      // While the fetch runs, its progress is the flow's progress.
      progress: (active ? child?.progress : parent.progress) as JobView['progress'],
      data: parent.data,
      result: parent.returnvalue ?? null,
      failedReason: parent.failedReason || child?.failedReason || null,
      attempts: child?.attemptsMade ?? 0,
      createdAt: parent.timestamp,
      finishedAt: parent.finishedOn ?? null,
    };
  }

  /** Waits until no job is waiting or active (tests). */
  async whenIdle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await Promise.all([this.#sync.getJobCounts(), this.#metrics.getJobCounts()]);
      const busy = counts.reduce(
        (sum, c) => sum + (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c['waiting-children'] ?? 0),
        0,
      );
      if (busy === 0) return;
      if (Date.now() > deadline) throw new Error('jobs still running');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(graceMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A close that fails counts as not finished (and is not left unhandled when the grace wins).
    const closed = Promise.all(this.#workers.map((worker) => worker.close())).then(
      () => true,
      () => false,
    );
    const finished = await Promise.race([
      closed,
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    // Past the grace: stop waiting; the jobs' locks lapse and the run reaper takes over.
    if (!finished) await Promise.all(this.#workers.map((worker) => worker.close(true)));
    return finished;
  }

  async close(): Promise<void> {
    clearInterval(this.#cleaner);
    await Promise.all(this.#workers.map((worker) => worker.close()));
    await this.#flow.close();
    await this.#sync.close();
    await this.#metrics.close();
    for (const connection of [...this.#workerConnections, this.#connection]) {
      await connection.quit().catch(() => connection.disconnect());
    }
  }
}
