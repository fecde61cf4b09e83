/**
 * Metrics reads: an integration's and a team's newest snapshots (`metrics_{id}`,
 * `team_{id}_metrics`), custom windows computed from stored work items, and the last sync
 * (`last_sync_{id}`). Syncs write the snapshots; this service only reads them.
 */
import type { Cache } from '@agiletrack/cache';
import { type CachePolicy, cacheKeys, DEFAULT_CACHE_POLICY, tags as domainTags } from '@agiletrack/domain';
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { integrations, metricSnapshots, syncRuns, workItems } from '../db/schema.ts';
import { computeMetrics } from '../sync/metrics.ts';
import { staleAfter } from '../sync/runs.ts';
import { toIntegrationView } from './integrations.ts';
import { rollupMetrics } from './metrics-rollup.ts';
import { cacheOptions, type ReadOptions } from './read-options.ts';
import type { TeamService } from './teams.ts';
import type { IntegrationMetricsView, IntegrationView, LastSyncView, TeamMetricsView } from './views.ts';

/** See the file comment. */
export class MetricsService {
  constructor(
    readonly db: AppDb,
    readonly cache: Cache,
    readonly teams: TeamService,
    readonly policy: CachePolicy = DEFAULT_CACHE_POLICY,
    /** How often running syncs beat their heartbeat (see sync/runs.ts). */
    readonly syncHeartbeatMs = 5_000,
  ) {}

  /** Metrics of one integration (`metrics_{id}`): its newest snapshot. */
  integrationMetrics(integration: IntegrationView, options: ReadOptions = {}): Promise<IntegrationMetricsView> {
    return this.cache.getOrSet(
      cacheKeys.integrationMetrics(integration.id),
      async (ctx) => {
        // While a sync runs, readers keep getting the last good value as STALE; caching the
        // same old snapshot as fresh would hide that a newer one is on its way.
        if (await this.#syncing([integration.id])) ctx.skipCache();
        return this.#loadIntegrationMetrics(integration);
      },
      cacheOptions(this.policy, 'integrationMetrics', options, [
        domainTags.integration(integration.id),
        domainTags.team(integration.teamId),
      ]),
    );
  }

  /** Metrics of a team (`team_{id}_metrics`): each integration's newest snapshot and a roll-up. */
  async teamMetrics(teamId: number, options: ReadOptions = {}): Promise<TeamMetricsView> {
    await this.teams.getTeam(teamId);
    return this.cache.getOrSet(
      cacheKeys.teamMetrics(teamId),
      async (ctx) => {
        const metrics = await this.computeTeamMetrics(teamId);
        if (await this.#syncing(metrics.integrations.map((m) => m.integrationId))) ctx.skipCache();
        return metrics;
      },
      cacheOptions(this.policy, 'teamMetrics', options, [domainTags.team(teamId)]),
    );
  }

  /**
   * Metrics over a custom window (`?windowDays=`), computed from the stored work items as of the
   * newest snapshot. A session-specific variant: the browser keeps it in memory; the server does
   * not cache it (it is one indexed query).
   */
  async windowMetrics(integration: IntegrationView, windowDays: number): Promise<IntegrationMetricsView> {
    const [latest] = await this.db
      .select({ computedAt: metricSnapshots.computedAt })
      .from(metricSnapshots)
      .where(eq(metricSnapshots.integrationId, integration.id))
      .orderBy(desc(metricSnapshots.computedAt))
      .limit(1);
    const asOf = latest?.computedAt ?? null;
    const metrics = asOf === null ? null : await this.metricsAsOf(integration, asOf, windowDays);
    return { integrationId: integration.id, kind: integration.kind, windowDays, computedAt: asOf, metrics };
  }

  /** Computes an integration's metrics from its stored work items, as of `asOf` (also used by syncs). */
  async metricsAsOf(
    integration: IntegrationView,
    asOf: Date,
    windowDays: number,
  ): Promise<Record<string, number | null>> {
    const items = await this.db.select().from(workItems).where(eq(workItems.integrationId, integration.id));
    const normalised = items.map((item) => ({ ...item, data: item.data ?? {} }));
    return computeMetrics(integration.kind, normalised, asOf, windowDays) as unknown as Record<string, number | null>;
  }

  /** A team's metrics over a custom window (not cached, see {@link windowMetrics}). */
  async teamWindowMetrics(teamId: number, windowDays: number): Promise<TeamMetricsView> {
    await this.teams.getTeam(teamId);
    const list = await this.#teamIntegrations(teamId);
    const each = await Promise.all(list.map((integration) => this.windowMetrics(integration, windowDays)));
    return teamView(teamId, each);
  }

  /** Builds a team's metrics from the database (also used to warm the key after a sync). */
  async computeTeamMetrics(teamId: number): Promise<TeamMetricsView> {
    const list = await this.#teamIntegrations(teamId);
    return teamView(teamId, await Promise.all(list.map((integration) => this.#loadIntegrationMetrics(integration))));
  }

  /** The last sync of an integration (`last_sync_{id}`). */
  lastSync(integration: IntegrationView, options: ReadOptions = {}): Promise<LastSyncView> {
    return this.cache.getOrSet(
      cacheKeys.lastSync(integration.id),
      async () => {
        const [run] = await this.db
          .select()
          .from(syncRuns)
          .where(eq(syncRuns.integrationId, integration.id))
          .orderBy(desc(syncRuns.startedAt), desc(syncRuns.id))
          .limit(1);
        return {
          integrationId: integration.id,
          status: run?.status ?? 'never',
          jobId: run?.jobId ?? null,
          startedAt: run?.startedAt ?? null,
          finishedAt: run?.finishedAt ?? null,
          error: run?.error ?? null,
          stats: run?.stats ?? null,
        };
      },
      cacheOptions(this.policy, 'lastSync', options, [
        domainTags.integration(integration.id),
        domainTags.team(integration.teamId),
      ]),
    );
  }

  async #teamIntegrations(teamId: number): Promise<IntegrationView[]> {
    const rows = await this.db
      .select()
      .from(integrations)
      .where(eq(integrations.teamId, teamId))
      .orderBy(integrations.id);
    return rows.map(toIntegrationView);
  }

  async #loadIntegrationMetrics(integration: IntegrationView): Promise<IntegrationMetricsView> {
    const [snapshot] = await this.db
      .select()
      .from(metricSnapshots)
      .where(eq(metricSnapshots.integrationId, integration.id))
      .orderBy(desc(metricSnapshots.computedAt), desc(metricSnapshots.id))
      .limit(1);
    return {
      integrationId: integration.id,
      kind: integration.kind,
      windowDays: snapshot?.windowDays ?? null,
      computedAt: snapshot?.computedAt ?? null,
      metrics: (snapshot?.metrics as Record<string, number | null> | undefined) ?? null,
    };
  }

  async #syncing(integrationIds: number[]): Promise<boolean> {
    if (integrationIds.length === 0) return false;
    const running = await this.db
      .select({ id: syncRuns.id })
      .from(syncRuns)
      .where(
        and(
          inArray(syncRuns.integrationId, integrationIds),
          eq(syncRuns.status, 'running'),
          // A run whose process died stops beating: it must not keep metrics uncached (the reaper
          // ends it soon after); nor may a run that hangs in a live process, past an hour.
          gt(syncRuns.heartbeatAt, sql`now() - ${staleAfter(this.syncHeartbeatMs)} * interval '1 millisecond'`),
          gt(syncRuns.startedAt, new Date(Date.now() - 3_600_000)),
        ),
      )
      .limit(1);
    return running.length > 0;
  }
}

function teamView(teamId: number, list: IntegrationMetricsView[]): TeamMetricsView {
  const times = list.map((m) => m.computedAt?.getTime() ?? 0).filter((t) => t > 0);
  return {
    teamId,
    computedAt: times.length > 0 ? new Date(Math.max(...times)) : null,
    rollup: rollupMetrics(list.map((m) => m.metrics)),
    integrations: list,
  };
}
