/**
 * After a sync changed something, the worker computes what readers are served, once: a snapshot
 * per metrics window (the numbers and the items behind them) and, for every window, one point per
 * day whose window starts after the first item (an earlier window would hold partial history), at
 * most {@link HISTORY_DAYS} back. Reads then never touch the work items.
 */
import { DEFAULT_METRIC_WINDOW, METRIC_WINDOWS } from '@agiletrack/domain';
import { eq } from 'drizzle-orm';
import type { IntegrationKindName } from '../connectors/connector.ts';
import { connectorFor } from '../connectors/registry.ts';
import type { AppDb } from '../db/database.ts';
import { metricDaily, metricSnapshots } from '../db/schema.ts';
import { dailyPoints, dayOf } from '../metrics/compute.ts';
import { type MetricValues, storeSamples, storeValues, valuesOf } from '../metrics/samples.ts';
import { metricItemsOf } from '../services/metrics-queries.ts';

/** How far back daily points go. */
export const HISTORY_DAYS = 800;

const CHUNK = 400;
const DAY = 86_400_000;

/** Computes and stores every window's snapshot and the daily points; returns the default window's values. */
export async function precomputeMetrics(
  db: AppDb,
  integration: { id: number; kind: IntegrationKindName },
  asOf: number,
): Promise<MetricValues> {
  const items = await metricItemsOf(db, integration.id);
  const index = connectorFor(integration.kind).metrics(items);
  const computedAt = new Date(asOf);
  const first = items.reduce((min, item) => Math.min(min, item.createdAt.getTime()), asOf);
  // Each window's numbers and the items behind them, computed from the same samples; and the
  // values of the window before it, when the stored items reach back that far.
  const snapshots = METRIC_WINDOWS.map((windowDays) => {
    const sets = index(asOf, windowDays);
    const previousEnd = asOf - windowDays * DAY;
    return {
      integrationId: integration.id,
      windowDays,
      computedAt,
      metrics: valuesOf(sets, windowDays) as Record<string, unknown>,
      samples: storeSamples(sets),
      sampleValues: storeValues(sets) as Record<string, number[]>,
      previous:
        previousEnd - windowDays * DAY >= first
          ? (storeValues(index(previousEnd, windowDays)) as Record<string, number[]>)
          : null,
    };
  });
  const points = METRIC_WINDOWS.flatMap((windowDays) => {
    // The first day whose window, ending at the end of that day, starts at or after the first item.
    const complete = Math.max(first + windowDays * DAY - DAY, asOf - HISTORY_DAYS * DAY);
    if (complete > asOf) return [];
    return dailyPoints(index, dayOf(complete), dayOf(asOf), windowDays, asOf)
      .filter((p) => Math.min(Date.parse(`${p.day}T00:00:00Z`) + DAY, asOf) - windowDays * DAY >= first)
      .map((p) => ({ integrationId: integration.id, windowDays, day: p.day, metrics: p.metrics }));
  });
  await db.transaction(async (tx) => {
    // Only the newest snapshots are read (the days keep the history), so reads stay one small query.
    await tx.delete(metricSnapshots).where(eq(metricSnapshots.integrationId, integration.id));
    await tx.insert(metricSnapshots).values(snapshots);
    await tx.delete(metricDaily).where(eq(metricDaily.integrationId, integration.id));
    for (let i = 0; i < points.length; i += CHUNK) await tx.insert(metricDaily).values(points.slice(i, i + CHUNK));
  });
  return snapshots.find((s) => s.windowDays === DEFAULT_METRIC_WINDOW)!.metrics as MetricValues;
}
