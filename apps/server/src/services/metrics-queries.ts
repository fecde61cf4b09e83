/** The database reads behind the metrics entries: a team's integrations, their newest snapshots, live syncs. */
import { METRIC_WINDOWS } from '@agiletrack/domain';
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { staleAfter } from '../config.ts';
import type { AppDb } from '../db/database.ts';
import { integrations, metricSnapshots, syncRuns, workItems } from '../db/schema.ts';
import type { StoredSamples, StoredValues } from '../metrics/samples.ts';
import type { IntegrationMetricsView } from './views.ts';

/** An integration as the metrics reads need it. */
export interface MetricsSource {
  id: number;
  kind: 'github' | 'jira';
}

/** A team's integrations, by id. */
export function teamIntegrations(db: AppDb, teamId: number): Promise<MetricsSource[]> {
  return db
    .select({ id: integrations.id, kind: integrations.kind })
    .from(integrations)
    .where(eq(integrations.teamId, teamId))
    .orderBy(integrations.id);
}

/** Every window's newest snapshot of each integration, in one query. */
export async function loadWindows(
  db: AppDb,
  list: readonly MetricsSource[],
): Promise<Map<number, Record<string, IntegrationMetricsView>>> {
  const rows =
    list.length === 0
      ? []
      : await db
          .selectDistinctOn([metricSnapshots.integrationId, metricSnapshots.windowDays], {
            integrationId: metricSnapshots.integrationId,
            windowDays: metricSnapshots.windowDays,
            computedAt: metricSnapshots.computedAt,
            metrics: metricSnapshots.metrics,
          })
          .from(metricSnapshots)
          .where(
            inArray(
              metricSnapshots.integrationId,
              list.map((i) => i.id),
            ),
          )
          .orderBy(
            metricSnapshots.integrationId,
            metricSnapshots.windowDays,
            desc(metricSnapshots.computedAt),
            desc(metricSnapshots.id),
          );
  const out = new Map<number, Record<string, IntegrationMetricsView>>();
  for (const integration of list) {
    const byWindow: Record<string, IntegrationMetricsView> = {};
    for (const windowDays of METRIC_WINDOWS) {
      const row = rows.find((r) => r.integrationId === integration.id && r.windowDays === windowDays);
      byWindow[windowDays] = {
        integrationId: integration.id,
        kind: integration.kind,
        windowDays,
        computedAt: row?.computedAt ?? null,
        metrics: (row?.metrics as Record<string, number | null> | undefined) ?? null,
      };
    }
    out.set(integration.id, byWindow);
  }
  return out;
}

/** The values behind the newest snapshot of each integration, every window (and the window before each). */
export async function loadValues(
  db: AppDb,
  integrationIds: readonly number[],
): Promise<{ integrationId: number; windowDays: number; values: StoredValues; previous: StoredValues | null }[]> {
  if (integrationIds.length === 0) return [];
  const rows = await db
    .selectDistinctOn([metricSnapshots.integrationId, metricSnapshots.windowDays], {
      integrationId: metricSnapshots.integrationId,
      windowDays: metricSnapshots.windowDays,
      values: metricSnapshots.sampleValues,
      previous: metricSnapshots.previous,
    })
    .from(metricSnapshots)
    .where(inArray(metricSnapshots.integrationId, [...integrationIds]))
    .orderBy(
      metricSnapshots.integrationId,
      metricSnapshots.windowDays,
      desc(metricSnapshots.computedAt),
      desc(metricSnapshots.id),
    );
  return rows.map((r) => ({ ...r, values: r.values as StoredValues, previous: r.previous as StoredValues | null }));
}

/** The items behind the newest snapshot of each integration, for one window or every window. */
export async function loadSamples(
  db: AppDb,
  integrationIds: readonly number[],
  windowDays?: number,
): Promise<{ integrationId: number; windowDays: number; computedAt: Date; samples: StoredSamples }[]> {
  if (integrationIds.length === 0) return [];
  const rows = await db
    .selectDistinctOn([metricSnapshots.integrationId, metricSnapshots.windowDays], {
      integrationId: metricSnapshots.integrationId,
      windowDays: metricSnapshots.windowDays,
      computedAt: metricSnapshots.computedAt,
      samples: metricSnapshots.samples,
    })
    .from(metricSnapshots)
    .where(
      and(
        inArray(metricSnapshots.integrationId, [...integrationIds]),
        windowDays === undefined ? undefined : eq(metricSnapshots.windowDays, windowDays),
      ),
    )
    .orderBy(
      metricSnapshots.integrationId,
      metricSnapshots.windowDays,
      desc(metricSnapshots.computedAt),
      desc(metricSnapshots.id),
    );
  return rows.map((r) => ({ ...r, samples: r.samples as StoredSamples }));
}

/**
 * Which of `integrationIds` have a live sync run (at most `limit` of them are looked for). A run
 * whose process died stops beating its heartbeat: it must not keep metrics uncached (the reaper
 * ends it soon after); nor may a run that hangs in a live process, past an hour.
 */
export async function syncingIds(
  db: AppDb,
  integrationIds: readonly number[],
  heartbeatMs: number,
  limit = integrationIds.length,
): Promise<Set<number>> {
  if (integrationIds.length === 0) return new Set();
  const running = await db
    .selectDistinct({ id: syncRuns.integrationId })
    .from(syncRuns)
    .where(
      and(
        inArray(syncRuns.integrationId, [...integrationIds]),
        eq(syncRuns.status, 'running'),
        gt(syncRuns.heartbeatAt, sql`now() - ${staleAfter(heartbeatMs)} * interval '1 millisecond'`),
        gt(syncRuns.startedAt, new Date(Date.now() - 3_600_000)),
      ),
    )
    .limit(limit);
  return new Set(running.map((run) => run.id));
}

/** The stored items of one integration, with the columns the metric computation reads. */
export function metricItemsOf(db: AppDb, integrationId: number) {
  return db
    .select({
      kind: workItems.kind,
      externalId: workItems.externalId,
      state: workItems.state,
      createdAt: workItems.createdAt,
      startedAt: workItems.startedAt,
      firstReviewAt: workItems.firstReviewAt,
      finishedAt: workItems.finishedAt,
      storyPoints: workItems.storyPoints,
      sprint: workItems.sprint,
      data: workItems.data,
    })
    .from(workItems)
    .where(eq(workItems.integrationId, integrationId));
}
