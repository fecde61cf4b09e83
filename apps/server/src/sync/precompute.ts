/**
 * After a sync changed something, the worker computes what readers are served, once: a snapshot
 * per metrics window and one point per day (default window) since the first item, at most
 * {@link HISTORY_DAYS} back. Reads then never touch the work items.
 */
import { DEFAULT_METRIC_WINDOW, METRIC_WINDOWS } from '@agiletrack/domain';
import { and, eq } from 'drizzle-orm';
import type { IntegrationKindName } from '../connectors/connector.ts';
import type { AppDb } from '../db/database.ts';
import { metricDaily, metricSnapshots, workItems } from '../db/schema.ts';
import { dailyPoints, dayOf, indexItems, type MetricValues } from './metrics.ts';

/** How far back daily points go. */
export const HISTORY_DAYS = 800;

const CHUNK = 400;

/** Computes and stores every window's snapshot and the daily points; returns the default window's values. */
export async function precomputeMetrics(
  db: AppDb,
  integration: { id: number; kind: IntegrationKindName },
  asOf: number,
): Promise<MetricValues> {
  const items = await db
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
    .where(eq(workItems.integrationId, integration.id));
  const index = indexItems(integration.kind, items);
  const computedAt = new Date(asOf);
  const snapshots = METRIC_WINDOWS.map((windowDays) => ({
    integrationId: integration.id,
    windowDays,
    computedAt,
    metrics: index(asOf, windowDays) as Record<string, unknown>,
  }));
  const first = items.reduce((min, item) => Math.min(min, item.createdAt.getTime()), asOf);
  const fromDay = dayOf(Math.max(first, asOf - HISTORY_DAYS * 86_400_000));
  const points = dailyPoints(index, fromDay, dayOf(asOf), DEFAULT_METRIC_WINDOW, asOf);
  await db.transaction(async (tx) => {
    // Only the newest snapshots are read (the days keep the history), so reads stay one small query.
    await tx.delete(metricSnapshots).where(eq(metricSnapshots.integrationId, integration.id));
    await tx.insert(metricSnapshots).values(snapshots);
    await tx
      .delete(metricDaily)
      .where(and(eq(metricDaily.integrationId, integration.id), eq(metricDaily.windowDays, DEFAULT_METRIC_WINDOW)));
    for (let i = 0; i < points.length; i += CHUNK) {
      await tx.insert(metricDaily).values(
        points.slice(i, i + CHUNK).map((p) => ({
          integrationId: integration.id,
          windowDays: DEFAULT_METRIC_WINDOW,
          day: p.day,
          metrics: p.metrics,
        })),
      );
    }
  });
  return snapshots.find((s) => s.windowDays === DEFAULT_METRIC_WINDOW)!.metrics as MetricValues;
}
