/**
 * First numbers early: when a first sync has stored its newest window, the metrics are computed
 * from what is there and published, marked as partial history (the last sync's stats say since
 * when), while the backfill goes on. A resync of an integration that has numbers publishes nothing
 * until it is complete: readers keep the previous complete numbers.
 */
import { eq } from 'drizzle-orm';
import { metricSnapshots } from '../db/schema.ts';
import type { IntegrationView } from '../services/views.ts';
import type { SyncDeps } from './deps.ts';
import { precomputeMetrics } from './precompute.ts';
import { recordProgress } from './store.ts';

/** Publishes partial metrics of `integration` unless it already has numbers. */
export async function partialSnapshot(
  deps: SyncDeps,
  integration: IntegrationView,
  runId: number,
  historyFrom: Date,
  now: number,
): Promise<void> {
  const [existing] = await deps.db
    .select({ id: metricSnapshots.id })
    .from(metricSnapshots)
    .where(eq(metricSnapshots.integrationId, integration.id))
    .limit(1);
  if (existing) return;
  await precomputeMetrics(deps.db, integration, now);
  await recordProgress(deps.db, runId, { partial: true, historyFrom: historyFrom.toISOString(), phase: 'backfill' });
  await deps.invalidator.after({
    type: 'integration.synced',
    integrationId: integration.id,
    teamId: integration.teamId,
  });
}
