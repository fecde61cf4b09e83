/**
 * Metrics reads, all from what the worker precomputed after each sync — never from the work
 * items (except the drill-down, one indexed page): an integration's and a team's metrics for
 * every window (`metrics_{id}`, `team_{id}_metrics`: one entry holds all windows), their daily
 * history (`metrics_{id}_history`, `team_{id}_metrics_history`), and the last sync.
 */
import type { Cache } from '@agiletrack/cache';
import {
  type CachePolicy,
  cacheKeys,
  DEFAULT_CACHE_POLICY,
  DEFAULT_METRIC_WINDOW,
  tags as domainTags,
  METRIC_WINDOWS,
} from '@agiletrack/domain';
import { asc, desc, eq } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { metricDaily, syncRuns } from '../db/schema.ts';
import { valueSets, valuesOf } from '../metrics/samples.ts';
import { type DeploymentsPage, type DeploymentsQuery, listDeployments } from './deployments.ts';
import {
  cutHistory,
  type DailySeries,
  type HistoryQuery,
  type HistorySeries,
  rollupSeries,
} from './metrics-history.ts';
import { loadValues, loadWindows, type MetricsSource, syncingIds, teamIntegrations } from './metrics-queries.ts';
import { cacheOptions, FIRST_ATTEMPT, type ReadOptions } from './read-options.ts';
import type { TeamService } from './teams.ts';
import type {
  IntegrationMetricsView,
  IntegrationView,
  LastSyncView,
  MetricsHistoryView,
  TeamMetricsView,
} from './views.ts';
import { type DrillDown, type DrillQuery, listWorkItems } from './work-items.ts';

/** Which window a metrics read wants (default: the default window). */
export interface WindowOptions extends ReadOptions {
  windowDays?: number | undefined;
}

type ByWindow<T> = { readonly byWindow: Readonly<Record<string, T>> };

/** See the file comment. */
export class MetricsService {
  constructor(
    readonly db: AppDb,
    readonly cache: Cache,
    readonly teams: TeamService,
    readonly policy: CachePolicy = DEFAULT_CACHE_POLICY,
    /** How often running syncs beat their heartbeat (see sync/runs.ts). */
    readonly syncHeartbeatMs = 5_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Metrics of one integration over a window (`metrics_{id}` holds every window). */
  async integrationMetrics(integration: IntegrationView, options: WindowOptions = {}): Promise<IntegrationMetricsView> {
    const all = await this.#integrationWindows(integration, options);
    return all.byWindow[String(options.windowDays ?? DEFAULT_METRIC_WINDOW)]!;
  }

  #integrationWindows(
    integration: { id: number; teamId: number; kind: 'github' | 'jira' },
    options: ReadOptions = {},
  ): Promise<ByWindow<IntegrationMetricsView>> {
    return this.cache.getOrSet<ByWindow<IntegrationMetricsView>>(
      cacheKeys.integrationMetrics(integration.id),
      async (ctx) => {
        // While a sync runs, readers keep getting the last good value as STALE; caching the
        // same old snapshot as fresh would hide that a newer one is on its way.
        if (await this.#syncing([integration.id])) ctx.skipCache();
        return { byWindow: (await loadWindows(this.db, [integration])).get(integration.id)! };
      },
      cacheOptions(this.policy, 'integrationMetrics', options, [
        domainTags.integration(integration.id),
        domainTags.team(integration.teamId),
      ]),
    );
  }

  /**
   * Every window of several integrations of one team, from their `metrics_{id}` entries: one read
   * per tier for all of them, and one query for those no tier holds.
   */
  async #manyIntegrationWindows(
    teamId: number,
    list: readonly MetricsSource[],
  ): Promise<ByWindow<IntegrationMetricsView>[]> {
    const byKey = new Map<string, MetricsSource>(list.map((i) => [cacheKeys.integrationMetrics(i.id), i]));
    const { ttl, grace } = cacheOptions(this.policy, 'integrationMetrics', {}, []);
    return this.cache.getOrSetMany<ByWindow<IntegrationMetricsView>>(
      [...byKey.keys()],
      async (keys, ctx) => {
        const missing = keys.map((key) => byKey.get(key)!);
        const ids = missing.map((i) => i.id);
        const [windows, syncing] = await Promise.all([
          loadWindows(this.db, missing),
          syncingIds(this.db, ids, this.syncHeartbeatMs),
        ]);
        // While a sync runs, answered but not stored (see #integrationWindows).
        for (const [n, key] of keys.entries()) if (syncing.has(ids[n]!)) ctx.skipCache(key);
        return missing.map((i) => ({ byWindow: windows.get(i.id)! }));
      },
      {
        ttl,
        ...(grace !== undefined && { grace }),
        tags: (key) => [domainTags.integration(byKey.get(key)!.id), domainTags.team(teamId)],
      },
    );
  }

  /** Metrics of a team over a window (`team_{id}_metrics` holds every window): each integration's and a roll-up. */
  async teamMetrics(teamId: number, options: WindowOptions = {}): Promise<TeamMetricsView> {
    await this.teams.getTeam(teamId);
    const all = await this.cache.getOrSet<ByWindow<TeamMetricsView>>(
      cacheKeys.teamMetrics(teamId),
      async (ctx) => {
        const built = await this.#teamWindows(teamId);
        if (!built.cacheable) ctx.skipCache();
        return built.value;
      },
      cacheOptions(this.policy, 'teamMetrics', options, [domainTags.team(teamId)]),
    );
    return all.byWindow[String(options.windowDays ?? DEFAULT_METRIC_WINDOW)]!;
  }

  /**
   * A team's metrics over the default window when the memory tier holds them (its TTL and tag
   * checks, no promise), else `undefined`: the HTTP fast path; anything else reads {@link teamMetrics}.
   */
  cachedTeamMetrics(teamId: number): TeamMetricsView | undefined {
    const all = this.cache.getSync<ByWindow<TeamMetricsView>>(cacheKeys.teamMetrics(teamId), FIRST_ATTEMPT);
    return all?.byWindow[String(DEFAULT_METRIC_WINDOW)];
  }

  /**
   * Metrics of several teams over a window, in their order (the teams overview): one read per
   * tier for all their `team_{id}_metrics` entries, and the missing ones built together.
   */
  async manyTeamsMetrics(teamIds: readonly number[], options: WindowOptions = {}): Promise<TeamMetricsView[]> {
    const byKey = new Map<string, number>(teamIds.map((id) => [cacheKeys.teamMetrics(id), id]));
    const { ttl, grace } = cacheOptions(this.policy, 'teamMetrics', {}, []);
    const all = await this.cache.getOrSetMany<ByWindow<TeamMetricsView>>(
      [...byKey.keys()],
      (keys, ctx) =>
        Promise.all(
          keys.map(async (key) => {
            const { value, cacheable } = await this.#teamWindows(byKey.get(key)!);
            // Not stored while one of its integrations syncs (as in teamMetrics); still answered.
            if (!cacheable) ctx.skipCache(key);
            return value;
          }),
        ),
      { ttl, ...(grace !== undefined && { grace }), tags: (key) => [domainTags.team(byKey.get(key)!)] },
    );
    const window = String(options.windowDays ?? DEFAULT_METRIC_WINDOW);
    return all.map((teamWindows) => teamWindows.byWindow[window]!);
  }

  /** Every window of a team's metrics, built from its integrations' entries (each filled once per sync). */
  async #teamWindows(teamId: number): Promise<{ value: ByWindow<TeamMetricsView>; cacheable: boolean }> {
    const list = await teamIntegrations(this.db, teamId);
    const ids = list.map((i) => i.id);
    const [syncing, windows, samples] = await Promise.all([
      this.#syncing(ids),
      this.#manyIntegrationWindows(teamId, list),
      loadValues(this.db, ids),
    ]);
    const byWindow: Record<string, TeamMetricsView> = {};
    for (const windowDays of METRIC_WINDOWS) {
      const each = windows.map((w) => w.byWindow[String(windowDays)]!);
      const times = each.map((m) => m.computedAt?.getTime() ?? 0).filter((t) => t > 0);
      const mine = samples.filter((s) => s.windowDays === windowDays);
      byWindow[windowDays] = {
        teamId,
        windowDays,
        computedAt: times.length > 0 ? new Date(Math.max(...times)) : null,
        // Over the union of the integrations' items, never a mean of their numbers.
        rollup: valuesOf(valueSets(mine.map((s) => s.values)), windowDays),
        // The window before, only when every integration's history reaches back that far.
        previous:
          mine.length > 0 && mine.every((s) => s.previous !== null)
            ? valuesOf(valueSets(mine.map((s) => s.previous!)), windowDays)
            : null,
        integrations: each,
      };
    }
    return { value: { byWindow }, cacheable: !syncing };
  }

  /** A team's daily (or weekly) points over a window, cut from `team_{id}_metrics_history` (every window). */
  async teamHistory(teamId: number, query: HistoryQuery, options: ReadOptions = {}): Promise<MetricsHistoryView> {
    await this.teams.getTeam(teamId);
    const series = await this.cache.getOrSet<HistorySeries>(
      cacheKeys.teamMetricsHistory(teamId),
      async (ctx) => {
        const list = await teamIntegrations(this.db, teamId);
        if (await this.#syncing(list.map((i) => i.id))) ctx.skipCache();
        // Rolled up from the integrations' series (each read from the tables once per sync).
        const each = await Promise.all(list.map((i) => this.#integrationSeries({ id: i.id, teamId })));
        const byWindow: Record<string, DailySeries> = {};
        for (const windowDays of METRIC_WINDOWS) {
          byWindow[windowDays] = rollupSeries(
            windowDays,
            each.map((s) => s.byWindow?.[String(windowDays)] ?? { windowDays, days: [], metrics: [] }),
          );
        }
        return { byWindow };
      },
      cacheOptions(this.policy, 'teamMetricsHistory', options, [domainTags.team(teamId)]),
    );
    return cutHistory({ teamId }, series, query, this.now());
  }

  /** An integration's daily (or weekly) points over a window, cut from `metrics_{id}_history`. */
  async integrationHistory(
    integration: IntegrationView,
    query: HistoryQuery,
    options: ReadOptions = {},
  ): Promise<MetricsHistoryView> {
    const series = await this.#integrationSeries(integration, options);
    return cutHistory({ integrationId: integration.id }, series, query, this.now());
  }

  #integrationSeries(integration: { id: number; teamId: number }, options: ReadOptions = {}): Promise<HistorySeries> {
    return this.cache.getOrSet<HistorySeries>(
      cacheKeys.integrationMetricsHistory(integration.id),
      async (ctx) => {
        if (await this.#syncing([integration.id])) ctx.skipCache();
        const rows = await this.db
          .select({ windowDays: metricDaily.windowDays, day: metricDaily.day, metrics: metricDaily.metrics })
          .from(metricDaily)
          .where(eq(metricDaily.integrationId, integration.id))
          .orderBy(asc(metricDaily.windowDays), asc(metricDaily.day));
        const byWindow: Record<string, DailySeries> = {};
        for (const windowDays of METRIC_WINDOWS) byWindow[windowDays] = { windowDays, days: [], metrics: [] };
        for (const row of rows) {
          const series = byWindow[row.windowDays];
          if (series === undefined) continue;
          series.days.push(row.day);
          series.metrics.push(row.metrics);
        }
        return { byWindow };
      },
      cacheOptions(this.policy, 'integrationMetricsHistory', options, [
        domainTags.integration(integration.id),
        domainTags.team(integration.teamId),
      ]),
    );
  }

  /** The work items behind a team's metric between two instants (default: the default window up to now). */
  async workItems(teamId: number, query: DrillQuery): Promise<DrillDown> {
    await this.teams.getTeam(teamId);
    return listWorkItems(this.db, teamId, query, this.now());
  }

  /** A team's production deployments over a window, with the changes each shipped. */
  async deployments(teamId: number, query: DeploymentsQuery): Promise<DeploymentsPage> {
    await this.teams.getTeam(teamId);
    return listDeployments(this.db, teamId, query, this.now());
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

  async #syncing(integrationIds: number[]): Promise<boolean> {
    return (await syncingIds(this.db, integrationIds, this.syncHeartbeatMs, 1)).size > 0;
  }
}
