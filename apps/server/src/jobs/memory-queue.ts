/**
 * The embedded mode's job queue: same interface and the same one-hour result retention as the
 * BullMQ queue, in process. Jobs run one at a time, retry with exponential backoff, report
 * progress, and are forgotten `resultTtlMs` after they finish (clock injectable for tests).
 */
import { randomUUID } from 'node:crypto';
import type { JobQueue, JobView } from './types.ts';

/** Runs one job; `progress` reports how far it got. Throw `UnrecoverableJobError` to skip retries. */
export type JobProcessor = (
  job: { id: string; name: JobView['name']; data: JobView['data']; attempt: number },
  progress: (value: number | Record<string, unknown>) => void,
) => Promise<unknown>;

/** A failure that retrying cannot fix (bad credentials): the job fails at once. */
export class UnrecoverableJobError extends Error {
  override name = 'UnrecoverableJobError';
}

/** Options of the in-process queue. */
export interface MemoryQueueOptions {
  processor: JobProcessor;
  /** How long finished jobs stay readable. @default 3_600_000 */
  resultTtlMs?: number;
  /** Attempts per job. @default 3 */
  attempts?: number;
  /** First retry delay, doubled each time. @default 1_000 */
  backoffMs?: number;
  now?: () => number;
}

/** See the file comment. */
export class MemoryJobQueue implements JobQueue {
  readonly #jobs = new Map<string, JobView>();
  readonly #queue: string[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #o: Required<MemoryQueueOptions>;
  #running = false;
  #closed = false;
  #idle: Array<() => void> = [];

  constructor(options: MemoryQueueOptions) {
    this.#o = { resultTtlMs: 3_600_000, attempts: 3, backoffMs: 1_000, now: Date.now, ...options };
  }

  async enqueueSync(
    data: { integrationId: number; teamId: number; full?: boolean | undefined },
    options: { jobId?: string } = {},
  ): Promise<{ jobId: string }> {
    if (options.jobId !== undefined && this.#jobs.has(options.jobId)) return { jobId: options.jobId };
    // One pending sync per integration: asking again while one waits returns the same job.
    for (const job of this.#jobs.values()) {
      if (job.data.integrationId === data.integrationId && (job.state === 'waiting' || job.state === 'delayed'))
        return { jobId: job.id };
    }
    const id = options.jobId ?? randomUUID();
    this.#jobs.set(id, {
      id,
      name: 'sync-integration',
      state: 'waiting',
      progress: 0,
      data,
      result: null,
      failedReason: null,
      attempts: 0,
      createdAt: this.#o.now(),
      finishedAt: null,
    });
    this.#queue.push(id);
    this.#pump();
    return { jobId: id };
  }

  async getJob(jobId: string): Promise<JobView | undefined> {
    this.#expire();
    const job = this.#jobs.get(jobId);
    return job && { ...job };
  }

  /** Resolves when no job is waiting or running (tests, graceful shutdown). */
  whenIdle(): Promise<void> {
    if (!this.#running && this.#queue.length === 0 && this.#timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #expire(): void {
    const now = this.#o.now();
    for (const [id, job] of this.#jobs) {
      if (job.finishedAt !== null && now - job.finishedAt >= this.#o.resultTtlMs) this.#jobs.delete(id);
    }
  }

  #pump(): void {
    if (this.#running || this.#closed) return;
    const id = this.#queue.shift();
    if (id === undefined) {
      if (this.#timers.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    const job = this.#jobs.get(id);
    if (!job) {
      this.#pump();
      return;
    }
    this.#running = true;
    job.state = 'active';
    job.attempts++;
    this.#o
      .processor({ id, name: job.name, data: job.data, attempt: job.attempts }, (value) => {
        job.progress = value;
      })
      .then(
        (result) => {
          job.state = 'completed';
          job.result = result ?? null;
          job.progress = 100;
          job.finishedAt = this.#o.now();
        },
        (error: Error) => {
          job.failedReason = error?.message ?? String(error);
          if (error instanceof UnrecoverableJobError || job.attempts >= this.#o.attempts) {
            job.state = 'failed';
            job.finishedAt = this.#o.now();
            return;
          }
          job.state = 'delayed';
          const timer = setTimeout(
            () => {
              this.#timers.delete(timer);
              job.state = 'waiting';
              this.#queue.push(id);
              this.#pump();
            },
            this.#o.backoffMs * 2 ** (job.attempts - 1),
          );
          timer.unref?.();
          this.#timers.add(timer);
        },
      )
      .finally(() => {
        this.#running = false;
        this.#pump();
      });
  }
}
