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

import { createHash } from 'node:crypto';
import { cacheKeys } from '@agiletrack/domain';
import { and, desc, eq } from 'drizzle-orm';
import { metricSnapshots, syncRuns, workItems } from '../db/schema.ts';
import type { AppDeps } from '../http/deps.ts';
import { UnrecoverableJobError } from '../jobs/memory-queue.ts';
import type { OutboundGuard } from '../security/outbound.ts';
import type { IntegrationView } from '../services/views.ts';
import { fetchGithub } from './github.ts';
import { ExternalClient, type ExternalClientOptions, type ExternalStats } from './http-client.ts';
import { fetchJira } from './jira.ts';
import { SyncRuns } from './runs.ts';
import type { Progress } from './types.ts';

/** What step 1 hands to step 2. */
export interface FetchOutcome {
  integrationId: number;
  teamId: number;
  runId: number;
  changed: boolean;
  items: number;
  /** A hash of the fetched items, kept with the run to tell the next sync whether anything changed. */
  itemsHash: string;
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

type Deps = Omit<AppDeps, 'jobs'>;

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
  async fetchAndStore(integrationId: number, jobId: string, progress: Progress): Promise<FetchOutcome> {
    const { db, integrations, serverCache } = this.deps;
    let integration: IntegrationView;
    try {
      integration = await integrations.getIntegration(integrationId, { force: true });
    } catch {
      throw new UnrecoverableJobError(`integration ${integrationId} no longer exists`);
    }
    const runId = await this.runs.start(integrationId, jobId);
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
      client = await this.#client(integration);
      const result =
        integration.kind === 'github'
          ? await fetchGithub(client, integration.config as { owner: string; repo: string }, progress)
          : await fetchJira(client, integration.config as { projectKey: string; boardId?: number }, progress);
      // Sources without ETags (Jira search) answer 200 every time: compare what was fetched with
      // what the last successful sync stored, so an unchanged project recomputes nothing either.
      const itemsHash = createHash('sha256').update(JSON.stringify(result.items)).digest('base64url');
      const [last] = await db
        .select({ stats: syncRuns.stats })
        .from(syncRuns)
        .where(and(eq(syncRuns.integrationId, integrationId), eq(syncRuns.status, 'succeeded')))
        .orderBy(desc(syncRuns.startedAt), desc(syncRuns.id))
        .limit(1);
      // All 304s normally means nothing to store; but the stored responses live in the cache and
      // may outlive the items (a database reset): then store them anyway.
      const stored = await db
        .select({ id: workItems.id })
        .from(workItems)
        .where(eq(workItems.integrationId, integrationId))
        .limit(1);
      const unchanged = !result.changed || last?.stats?.itemsHash === itemsHash;
      const write = !unchanged || (stored.length === 0 && result.items.length > 0);
      if (write) {
        await db.transaction(async (tx) => {
          await tx.delete(workItems).where(eq(workItems.integrationId, integrationId));
          for (let i = 0; i < result.items.length; i += 500) {
            const chunk = result.items.slice(i, i + 500).map((item) => ({ ...item, integrationId }));
            if (chunk.length > 0) await tx.insert(workItems).values(chunk);
          }
        });
      }
      return {
        integrationId,
        teamId: integration.teamId,
        runId,
        changed: write,
        items: result.items.length,
        itemsHash,
        stats: client.stats,
      };
    } catch (error) {
      await this.#fail(
        runId,
        integration,
        error,
        client?.stats ?? { requests: 0, notModified: 0, retries: 0, rateLimitWaits: 0, waitedMs: 0 },
      );
      throw error;
    }
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
    // Nothing upstream changed (every answer a 304): the stored snapshot is still right.
    const [latest] = await db
      .select({ id: metricSnapshots.id })
      .from(metricSnapshots)
      .where(
        and(eq(metricSnapshots.integrationId, outcome.integrationId), eq(metricSnapshots.windowDays, this.windowDays)),
      )
      .orderBy(desc(metricSnapshots.computedAt))
      .limit(1);
    const computed = outcome.changed || !latest;
    if (computed) {
      metrics = await metricsService.metricsAsOf(integration, new Date(this.#now()), this.windowDays);
      await db.insert(metricSnapshots).values({
        integrationId: outcome.integrationId,
        windowDays: this.windowDays,
        computedAt: new Date(this.#now()),
        metrics: metrics as unknown as Record<string, unknown>,
      });
    }
    await this.runs.finish(outcome.runId, {
      status: 'succeeded',
      stats: {
        ...outcome.stats,
        items: outcome.items,
        itemsHash: outcome.itemsHash,
        changed: outcome.changed,
        computed,
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
    return { computed, metrics };
  }

  async #client(integration: IntegrationView): Promise<ExternalClient> {
    const credentials = await this.deps.integrations.credentials(integration.id);
    const config = integration.config as { baseUrl?: string; email?: string };
    const headers: Record<string, string> =
      integration.kind === 'github'
        ? { authorization: `Bearer ${credentials.token}`, 'x-github-api-version': '2022-11-28' }
        : { authorization: `Basic ${Buffer.from(`${config.email}:${credentials.apiToken}`).toString('base64')}` };
    const github = integration.kind === 'github';
    return new ExternalClient({
      baseUrl: config.baseUrl ?? 'https://api.github.com',
      headers,
      store: this.deps.serverCache.cache.namespace('ext').namespace(`i${integration.id}`),
      source: github ? 'GitHub' : 'Jira',
      notFound: github
        ? 'repository not found, or the token lacks access to it'
        : 'project or board not found, or the API token lacks access to it',
      guard: this.#guard,
      ...this.options.client,
    });
  }

  async #fail(runId: number, integration: IntegrationView, error: unknown, stats: ExternalStats): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.runs.finish(runId, { status: 'failed', error: message.slice(0, 1_000), stats: { ...stats } });
    await this.deps.serverCache.cache.delete(cacheKeys.lastSync(integration.id));
  }
}
