/**
 * The lifecycle of a `sync_runs` row: a requested sync is `queued` (see `requests.ts`) until a
 * worker claims it; a run is `running` while the process doing it beats its heartbeat (every
 * `heartbeatMs`, the database's clock). A run whose heartbeat stopped for `staleAfterMs` belongs
 * to a process that died: any process marks it failed ("interrupted"), once (one UPDATE …
 * RETURNING decides who), and queues the integration's sync again with the same options — unless
 * the run before it was interrupted too, so a sync that kills its worker is not retried for ever.
 */
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { AppDb } from '../db/database.ts';
import { integrations, syncRuns } from '../db/schema.ts';

/** The reason written on a run whose process stopped (crash, kill, shutdown that could not wait). */
export const INTERRUPTED = 'interrupted';

/** An SQL condition: the run's heartbeat is older than `ms`. */
const heartbeatOlderThan = (ms: number) => lt(syncRuns.heartbeatAt, sql`now() - ${ms} * interval '1 millisecond'`);

/** Starts, beats and ends the runs of this process. */
export class SyncRuns {
  readonly #active = new Set<number>();
  /** Runs between their two steps, with how to tell the second is still queued. */
  readonly #handedOver = new Map<number, () => Promise<boolean>>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly db: AppDb,
    readonly heartbeatMs: number,
    readonly logger?: Logger,
  ) {}

  /**
   * Starts the run of `jobId`: the queued run its request made becomes running, or (a scheduled
   * sync, a retry) a running run is inserted. Keeps its heartbeat going; returns its id.
   */
  async start(integrationId: number, jobId: string, options: { full?: boolean | undefined } = {}): Promise<number> {
    const [claimed] = await this.db
      .update(syncRuns)
      .set({ status: 'running', startedAt: sql`now()`, heartbeatAt: sql`now()` })
      .where(and(eq(syncRuns.jobId, jobId), eq(syncRuns.status, 'queued')))
      .returning({ id: syncRuns.id });
    const [run] = claimed
      ? [claimed]
      : await this.db
          .insert(syncRuns)
          .values({ integrationId, jobId, status: 'running', fullResync: options.full === true })
          .returning({ id: syncRuns.id });
    this.#active.add(run!.id);
    this.#ensureTimer();
    return run!.id;
  }

  /**
   * The run's first step is done and its second waits in the queue: keep beating while
   * `pending()` says it is still to come; once it says no (the queue lost it), stop, so the run
   * is found interrupted and queued again. A check that cannot answer in time keeps the beat.
   */
  handOver(runId: number, pending: () => Promise<boolean>): void {
    if (this.#active.has(runId)) this.#handedOver.set(runId, pending);
  }

  /** Beats now for a run that continues in this process (the second step of a flow). */
  async resume(runId: number): Promise<void> {
    this.#handedOver.delete(runId);
    this.#active.add(runId);
    this.#ensureTimer();
    await this.#beat([runId]);
  }

  /** Ends a run (while it is still running: an interrupted run stays interrupted). */
  async finish(
    runId: number,
    values: { status: 'succeeded' | 'failed'; error?: string; stats?: Record<string, unknown> },
  ): Promise<boolean> {
    this.#forget(runId);
    const rows = await this.db
      .update(syncRuns)
      .set({ ...values, finishedAt: sql`now()` })
      .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'running')))
      .returning({ id: syncRuns.id });
    return rows.length > 0;
  }

  /** Runs this process is doing now. */
  active(): number[] {
    return [...this.#active];
  }

  /**
   * Marks this process's runs failed ("interrupted") because it stops before they end; returns
   * the integrations they were syncing, to queue again.
   */
  async abandon(): Promise<InterruptedRun[]> {
    const ids = this.active();
    for (const id of ids) this.#forget(id);
    if (ids.length === 0) return [];
    return this.db
      .update(syncRuns)
      .set({ status: 'failed', error: INTERRUPTED, finishedAt: sql`now()` })
      .from(integrations)
      .where(
        and(inArray(syncRuns.id, ids), eq(syncRuns.status, 'running'), eq(integrations.id, syncRuns.integrationId)),
      )
      .returning(INTERRUPTED_RUN);
  }

  /** Stops the heartbeat (the runs themselves are left to `abandon` or to another process). */
  close(): void {
    this.#active.clear();
    this.#handedOver.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #forget(runId: number): void {
    this.#active.delete(runId);
    this.#handedOver.delete(runId);
    if (this.#active.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #ensureTimer(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      void this.#checkHandedOver()
        .then(() => this.#beat(this.active()))
        .catch((error: Error) => this.logger?.warn({ err: error.message }, 'sync heartbeat failed'));
    }, this.heartbeatMs);
    this.#timer.unref();
  }

  /** Stops beating the handed-over runs whose second step the queue no longer has (checks in parallel, bounded). */
  async #checkHandedOver(): Promise<void> {
    const checks = [...this.#handedOver].map(async ([runId, pending]) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const unknown = new Promise<true>((resolve) => {
        timer = setTimeout(resolve, this.heartbeatMs / 2, true);
      });
      const still = await Promise.race([pending().catch(() => true), unknown]).finally(() => clearTimeout(timer));
      if (!still && this.#handedOver.get(runId) === pending) {
        this.logger?.warn({ runId }, 'sync run: the queue lost its metrics step; it will be queued again');
        this.#forget(runId);
      }
    });
    await Promise.all(checks);
  }

  async #beat(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .update(syncRuns)
      .set({ heartbeatAt: sql`now()` })
      .where(and(inArray(syncRuns.id, ids), eq(syncRuns.status, 'running')));
  }
}

/** A run found interrupted. */
export interface InterruptedRun {
  runId: number;
  integrationId: number;
  teamId: number;
  /** It refetched everything: so does the run queued in its place. */
  full: boolean;
}

/** What an UPDATE … RETURNING of interrupted runs answers. */
const INTERRUPTED_RUN = {
  runId: syncRuns.id,
  integrationId: syncRuns.integrationId,
  teamId: integrations.teamId,
  full: syncRuns.fullResync,
};

/** What reaping needs. */
export interface ReapOptions {
  db: AppDb;
  /** Runs without a heartbeat for this long are interrupted (0: every running run, at an embedded start). */
  staleAfterMs: number;
  /** Queues the integration's sync again; `runId` makes the request idempotent across processes. */
  requeue(run: InterruptedRun): Promise<unknown>;
  /** Drops what readers cached about the integration while it looked busy. */
  invalidate(run: { integrationId: number; teamId: number }): Promise<unknown>;
  /** Queues again the requested syncs the queue lost (see `requests.ts`); returns how many. */
  requeueLost?(): Promise<number>;
}

/** Marks interrupted runs failed, invalidates their integrations' metrics and queues them once again. */
export async function reapInterruptedRuns(options: ReapOptions): Promise<(InterruptedRun & { requeued: boolean })[]> {
  const { db } = options;
  const reaped = await db
    .update(syncRuns)
    .set({ status: 'failed', error: INTERRUPTED, finishedAt: sql`now()` })
    .from(integrations)
    .where(
      and(
        eq(syncRuns.status, 'running'),
        eq(integrations.id, syncRuns.integrationId),
        ...(options.staleAfterMs > 0 ? [heartbeatOlderThan(options.staleAfterMs)] : []),
      ),
    )
    .returning(INTERRUPTED_RUN);
  const result: (InterruptedRun & { requeued: boolean })[] = [];
  for (const run of reaped) {
    await options.invalidate(run);
    const [previous] = await db
      .select({ status: syncRuns.status, error: syncRuns.error })
      .from(syncRuns)
      .where(and(eq(syncRuns.integrationId, run.integrationId), lt(syncRuns.id, run.runId)))
      .orderBy(desc(syncRuns.id))
      .limit(1);
    const again = !(previous?.status === 'failed' && previous.error === INTERRUPTED);
    if (again) await options.requeue(run);
    result.push({ ...run, requeued: again });
  }
  return result;
}

/** Reaps now and then every `everyMs`; returns the function that stops it. */
export function startReaper(options: ReapOptions & { everyMs: number; logger: Logger }): () => void {
  const { logger } = options;
  // Since when the database has answered without a break. Heartbeats stop while it cannot be
  // reached, for every run: after an outage, runs are judged only once they had time to beat again.
  let reachableSince: number | undefined = Date.now() - options.staleAfterMs;
  /** Marks interrupted runs; false while the database is unreachable or just came back. */
  const reap = async (): Promise<boolean> => {
    try {
      if (reachableSince === undefined) {
        await options.db.execute(sql`SELECT 1`);
        reachableSince = Date.now();
      }
      if (Date.now() - reachableSince < options.staleAfterMs) return false;
      const reaped = await reapInterruptedRuns(options);
      if (reaped.length > 0) logger.warn({ runs: reaped }, 'sync runs interrupted: marked failed');
      return true;
    } catch (error) {
      reachableSince = undefined;
      logger.warn({ err: (error as Error).message }, 'sync runs: check for interrupted runs failed');
      return false;
    }
  };
  const requeueLost = async (): Promise<void> => {
    try {
      const lost = (await options.requeueLost?.()) ?? 0;
      if (lost > 0) logger.warn({ runs: lost }, 'requested syncs the queue lost: queued again');
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'sync runs: check for lost sync requests failed');
    }
  };
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      if (await reap()) await requeueLost();
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
