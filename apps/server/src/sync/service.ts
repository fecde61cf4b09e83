/**
 * A sync, in two steps (the `sync-integration` and `compute-metrics` jobs):
 * 1. fetch from GitHub or Jira (conditional requests) and, if anything changed, replace the
 *    integration's work items in one transaction;
 * 2. if anything changed, compute and store a metrics snapshot; then invalidate exactly
 *    `integration_{id}`, `metrics_{id}`, `last_sync_{id}`, `team_{teamId}_metrics` on every
 *    instance and browser, and warm `team_{teamId}_metrics` so the next reader gets a hit.
 * While it runs, the metrics keys are marked stale, so readers get the last good values
 * (`X-Cache: STALE`) rather than a miss.
 */

import { randomUUID } from 'node:crypto';
import { cacheKeys } from '@agiletrack/domain';
import { eq, sql } from 'drizzle-orm';
import { ExternalClient, type ExternalClientOptions, type ExternalStats } from '../connectors/http-client.ts';
import { connectorFor } from '../connectors/registry.ts';
import type { Progress, SyncContext } from '../connectors/types.ts';
import { metricDaily } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { UnrecoverableJobError } from '../jobs/types.ts';
import { dayOf } from '../metrics/compute.ts';
import type { OutboundGuard } from '../security/outbound.ts';
import type { IntegrationView } from '../services/views.ts';
import type { SyncDeps } from './deps.ts';
import { partialSnapshot } from './partial.ts';
import { precomputeMetrics } from './precompute.ts';
import { SyncRuns } from './runs.ts';
import {
  applyChanges,
  dropBackfill,
  finishBackfill,
  hasNoItems,
  knownItems,
  loadBackfill,
  loadCursor,
  saveBackfillPage,
  startBackfill,
} from './store.ts';

/** What step 1 hands to step 2. */
export interface FetchOutcome {
  integrationId: number;
  teamId: number;
  runId: number;
  /** Everything was fetched again (first sync or a requested resync). */
  full: boolean;
  /** Something was written or deleted. */
  changed: boolean;
  /** Items written (new or changed). */
  items: number;
  /** Items removed because they are gone upstream. */
  deleted: number;
  /** Where the next incremental sync starts; kept with the run. */
  cursor: Record<string, unknown>;
  stats: ExternalStats;
}

/** Options of the sync service; defaults here. */
export interface SyncOptions {
  /** The metrics window. @default 28 */
  windowDays?: number;
  now?: () => number;
  /** Overrides for the HTTP client (tests shorten backoff and inject sleep). */
  client?: Partial<ExternalClientOptions>;
}

type Deps = SyncDeps;

/** See the file comment. */
export class SyncService {
  readonly windowDays: number;
  /** This process's runs and their heartbeat. */
  readonly runs: SyncRuns;
  readonly #now: () => number;
  readonly #guard: OutboundGuard;

  constructor(
    readonly deps: Deps,
    readonly options: SyncOptions = {},
  ) {
    this.windowDays = options.windowDays ?? 28;
    this.#now = options.now ?? Date.now;
    this.#guard = options.client?.guard ?? deps.outbound;
    this.runs = new SyncRuns(deps.db, deps.config.SYNC_HEARTBEAT_MS, deps.logger);
  }

  /** Step 1. Throws `UnrecoverableJobError` for bad credentials or a missing integration. */
  async fetchAndStore(
    integrationId: number,
    jobId: string,
    progress: Progress,
    options: { full?: boolean | undefined } = {},
  ): Promise<FetchOutcome> {
    const { db, integrations, serverCache } = this.deps;
    let integration: IntegrationView;
    try {
      integration = await integrations.getIntegration(integrationId, { force: true });
    } catch (error) {
      // Gone for good; anything else (the database unreachable for a moment) is worth a retry.
      if (error instanceof AppError && error.code === 'E_NOT_FOUND') {
        throw new UnrecoverableJobError(`integration ${integrationId} no longer exists`);
      }
      throw error;
    }
    const runId = await this.runs.start(integrationId, jobId, options);
    await serverCache.cache.delete(cacheKeys.lastSync(integrationId));
    // Readers keep the last good metrics (STALE) while this sync runs, for up to the job retention.
    await serverCache.cache.expire(
      [cacheKeys.integrationMetrics(integrationId), cacheKeys.teamMetrics(integration.teamId)],
      {
        staleFor: this.deps.config.JOB_RESULT_TTL_MS,
      },
    );

    let client: ExternalClient | undefined;
    try {
      const connection = await this.#client(integration);
      client = connection.client;
      // Incremental from the last successful sync's cursor; a full resync when asked, before the
      // first sync, when the database lost the items the cursor assumes, and while a backfill that
      // was killed or failed is unfinished (it resumes from its saved cursor).
      const stored = await loadBackfill(db, integrationId);
      const cursor = options.full ? null : await loadCursor(db, integrationId);
      const full = stored !== null || cursor === null || (await hasNoItems(db, integrationId));
      const now = this.#now();
      const ctx: SyncContext = { full, cursor, now, known: (kind) => knownItems(db, integrationId, kind) };
      const backfill = full ? (stored ?? (await startBackfill(db, integrationId, randomUUID()))) : undefined;
      if (backfill) {
        ctx.backfill = {
          state: backfill.state,
          save: (items, state) => saveBackfillPage(db, integrationId, backfill.backfillId, items, state),
          windowComplete: (historyFrom) => partialSnapshot(this.deps, integration, runId, historyFrom, now),
        };
      }
      // The config read with the credentials says where requests go.
      const result = await connectorFor(integration.kind).fetch(client, connection.config, ctx, progress);
      let written: { written: number; deleted: number };
      if (result.saved && backfill) {
        written = {
          written: result.savedCount ?? 0,
          deleted: await finishBackfill(db, integrationId, backfill.backfillId),
        };
      } else {
        written = await applyChanges(db, integrationId, result);
        if (backfill) await dropBackfill(db, integrationId);
      }
      return {
        integrationId,
        teamId: integration.teamId,
        runId,
        full,
        changed: written.written > 0 || written.deleted > 0,
        items: written.written,
        deleted: written.deleted,
        cursor: result.cursor,
        stats: client.stats,
      };
    } catch (error) {
      await this.#fail(
        runId,
        integration,
        error,
        client?.stats ?? {
          requests: 0,
          points: 0,
          pageShrinks: 0,
          notModified: 0,
          retries: 0,
          rateLimitWaits: 0,
          waitedMs: 0,
        },
      );
      throw error;
    }
  }

  /** Between the steps: see `SyncSteps.handOver`. */
  handOver(outcome: FetchOutcome, pending: () => Promise<boolean>): void {
    this.runs.handOver(outcome.runId, pending);
  }

  /** Both steps at once (a webhook's sync, in the process that received it). */
  async syncOnce(integrationId: number, jobId: string): Promise<void> {
    await this.computeAndPublish(await this.fetchAndStore(integrationId, jobId, () => {}));
  }

  /** Step 2. */
  async computeAndPublish(
    outcome: FetchOutcome,
  ): Promise<{ computed: boolean; metrics: Record<string, number | null> | null }> {
    await this.runs.resume(outcome.runId);
    try {
      return await this.#compute(outcome);
    } catch (error) {
      await this.runs.finish(outcome.runId, {
        status: 'failed',
        error: (error instanceof Error ? error.message : String(error)).slice(0, 1_000),
      });
      throw error;
    }
  }

  async #compute(outcome: FetchOutcome): Promise<{ computed: boolean; metrics: Record<string, number | null> | null }> {
    const { db, integrations, metrics: metricsService, invalidator } = this.deps;
    const integration = await integrations.getIntegration(outcome.integrationId, { force: true });
    let metrics: Record<string, number | null> | null = null;
    // Nothing upstream changed: the stored snapshots are still right, unless the daily points
    // stop before today (windows move with time even when no item does).
    const [latest] = await db
      .select({ day: sql<string | null>`max(${metricDaily.day})::text` })
      .from(metricDaily)
      .where(eq(metricDaily.integrationId, outcome.integrationId));
    const now = this.#now();
    const computed = outcome.changed || !latest?.day || latest.day < dayOf(now);
    if (computed) metrics = await precomputeMetrics(db, integration, now);
    await this.runs.finish(outcome.runId, {
      status: 'succeeded',
      stats: {
        ...outcome.stats,
        full: outcome.full,
        items: outcome.items,
        deleted: outcome.deleted,
        changed: outcome.changed,
        computed,
        cursor: outcome.cursor,
      },
    });
    await invalidator.after({
      type: 'integration.synced',
      integrationId: outcome.integrationId,
      teamId: outcome.teamId,
    });
    // Warm the team's metrics so the first dashboard after a sync is a hit.
    await metricsService.teamMetrics(outcome.teamId);
    await metricsService.integrationMetrics(integration);
    // Goals read the cards just warmed; a breach notifies in the background.
    await this.deps.goals
      .evaluate(outcome.teamId)
      .catch((error: Error) => this.deps.logger.warn({ err: error.message }, 'goals: evaluation failed'));
    return { computed, metrics };
  }

  async #client(integration: IntegrationView): Promise<{ client: ExternalClient; config: Record<string, unknown> }> {
    // Origin and credentials from one row read, never a config read at another moment.
    const connection = await this.deps.integrations.connection(integration.id).catch((error: unknown) => {
      // Gone, or credentials that do not open for the stored address: retrying cannot help.
      throw error instanceof AppError ? new UnrecoverableJobError(error.message) : error;
    });
    const client = new ExternalClient({
      ...connectorFor(connection.kind).client(connection.config, connection.credentials),
      store: this.deps.serverCache.cache.namespace('ext').namespace(`i${integration.id}`),
      guard: this.#guard,
      ...this.options.client,
    });
    return { client, config: connection.config };
  }

  async #fail(runId: number, integration: IntegrationView, error: unknown, stats: ExternalStats): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.runs.finish(runId, { status: 'failed', error: message.slice(0, 1_000), stats: { ...stats } });
    await this.deps.serverCache.cache.delete(cacheKeys.lastSync(integration.id));
  }
}
