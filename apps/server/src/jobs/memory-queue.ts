/**
 * The embedded mode's job queue: same interface and the same result retention as the BullMQ
 * queue, in process. Jobs run one at a time, retry with exponential backoff, report progress,
 * are unreadable `resultTtlMs` after they finish and removed by a periodic clean (clock
 * injectable for tests). With a store, every state change is written down, so a crash or a
 * restart loses no job: jobs that were waiting run after `recover()`, and a job that was running
 * runs again (it counts as an attempt).
 */
import { randomUUID } from 'node:crypto';
import type { JobStore } from './job-store.ts';
import { type JobProcessor, type JobQueue, type JobView, UnrecoverableJobError } from './types.ts';

/** Options of the in-process queue. */
export interface MemoryQueueOptions {
  processor: JobProcessor;
  /** How long finished jobs stay readable. @default 3_600_000 */
  resultTtlMs?: number;
  /** Attempts per job. @default 3 */
  attempts?: number;
  /** First retry delay, doubled each time. @default 1_000 */
  backoffMs?: number;
  /** Where jobs are kept across restarts; without it they live in memory only. */
  store?: JobStore | undefined;
  /** Reports a failed store write (the job goes on in memory). */
  onStoreError?: (error: Error) => void;
  /** How often expired results are removed. @default 60_000 */
  cleanEveryMs?: number;
  now?: () => number;
}

/** See the file comment. */
export class MemoryJobQueue implements JobQueue {
  readonly #jobs = new Map<string, JobView>();
  readonly #queue: string[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #o: Required<Omit<MemoryQueueOptions, 'store'>> & { store: JobStore | undefined };
  readonly #cleaner: ReturnType<typeof setInterval>;
  #running: { id: string; done: Promise<void> } | undefined;
  #stopped = false;
  #paused: boolean;
  #writes: Promise<void> = Promise.resolve();
  #idle: Array<() => void> = [];

  constructor(options: MemoryQueueOptions) {
    this.#o = {
      resultTtlMs: 3_600_000,
      attempts: 3,
      backoffMs: 1_000,
      cleanEveryMs: 60_000,
      now: Date.now,
      onStoreError: () => {},
      ...options,
      store: options.store,
    };
    // With a store, nothing runs before `recover()` has put back what an earlier process left.
    this.#paused = this.#o.store !== undefined;
    this.#cleaner = setInterval(() => this.clean(), this.#o.cleanEveryMs);
    this.#cleaner.unref();
  }

  /** Loads the stored jobs (a job that was running when the process stopped runs again), then starts. */
  async recover(): Promise<void> {
    const store = this.#o.store;
    if (store) {
      for (const job of await store.load()) {
        if (this.#jobs.has(job.id)) continue;
        const unfinished = job.state === 'active' || job.state === 'waiting' || job.state === 'delayed';
        if (unfinished && job.attempts >= this.#o.attempts && job.state === 'active') {
          Object.assign(job, { state: 'failed', failedReason: 'interrupted', finishedAt: this.#o.now() });
          this.#persist(job);
        } else if (unfinished) {
          job.state = 'waiting';
          this.#queue.push(job.id);
          this.#persist(job);
        }
        this.#jobs.set(job.id, job);
      }
    }
    this.#paused = false;
    this.clean();
    this.#pump();
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
    const job: JobView = {
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
    };
    this.#jobs.set(id, job);
    this.#persist(job);
    this.#queue.push(id);
    this.#pump();
    return { jobId: id };
  }

  async getJob(jobId: string): Promise<JobView | undefined> {
    const job = this.#jobs.get(jobId);
    // Unreadable once expired, whether or not the clean has removed it yet.
    if (!job || this.#expired(job, this.#o.now())) return undefined;
    return { ...job };
  }

  /** Removes the results older than `resultTtlMs` (also runs every `cleanEveryMs`). */
  clean(): number {
    const now = this.#o.now();
    const removed: string[] = [];
    for (const [id, job] of this.#jobs) {
      if (this.#expired(job, now)) {
        this.#jobs.delete(id);
        removed.push(id);
      }
    }
    const store = this.#o.store;
    if (store && removed.length > 0) this.#write(() => store.remove(removed));
    return removed.length;
  }

  /** Resolves when no job is waiting or running (tests, graceful shutdown). */
  whenIdle(): Promise<void> {
    if (!this.#running && this.#queue.length === 0 && this.#timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Takes no more jobs and waits up to `graceMs` for the running one; a job still running then is
   * put back as waiting (it runs again at the next start). True when nothing was left running.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const running = this.#running;
    if (!running) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = await Promise.race([
      running.done.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) {
      const job = this.#jobs.get(running.id);
      if (job) {
        job.state = 'waiting';
        this.#persist(job);
      }
    }
    return finished;
  }

  async close(): Promise<void> {
    await this.stop(0);
    clearInterval(this.#cleaner);
    await this.#writes;
  }

  #expired(job: JobView, now: number): boolean {
    return job.finishedAt !== null && now - job.finishedAt >= this.#o.resultTtlMs;
  }

  #persist(job: JobView): void {
    const store = this.#o.store;
    if (!store) return;
    const snapshot = { ...job };
    this.#write(() => store.save(snapshot));
  }

  // Writes go one after another, so the store ends in the last state.
  #write(write: () => Promise<void>): void {
    this.#writes = this.#writes.then(write).catch((error: Error) => this.#o.onStoreError(error));
  }

  #pump(): void {
    if (this.#running || this.#stopped || this.#paused) return;
    const id = this.#queue.shift();
    if (id === undefined) {
      if (this.#timers.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    const job = this.#jobs.get(id);
    if (job?.state !== 'waiting') {
      this.#pump();
      return;
    }
    job.state = 'active';
    job.attempts++;
    this.#persist(job);
    const done = this.#o
      .processor({ id, name: job.name, data: job.data, attempt: job.attempts }, (value) => {
        job.progress = value;
      })
      .then(
        (result) => {
          if (this.#stopped && job.state !== 'active') return; // abandoned at shutdown
          job.state = 'completed';
          job.result = result ?? null;
          job.progress = 100;
          job.finishedAt = this.#o.now();
          this.#persist(job);
        },
        (error: Error) => {
          if (this.#stopped && job.state !== 'active') return;
          job.failedReason = error?.message ?? String(error);
          if (error instanceof UnrecoverableJobError || job.attempts >= this.#o.attempts) {
            job.state = 'failed';
            job.finishedAt = this.#o.now();
            this.#persist(job);
            return;
          }
          job.state = 'delayed';
          this.#persist(job);
          if (this.#stopped) return; // the retry runs at the next start
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
        this.#running = undefined;
        this.#pump();
      });
    this.#running = { id, done };
  }
}
