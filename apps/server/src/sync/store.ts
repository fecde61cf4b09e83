/**
 * Where a sync's results land: the cursor of the last successful run, what is stored of each
 * kind (so connectors skip unchanged items), and the changes written in one transaction — upserts
 * and deletions for an incremental sync, a replacement for a complete one.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { FetchResult, KnownItem, WorkItemInput, WorkItemKind } from '../connectors/types.ts';
import type { AppDb } from '../db/database.ts';
import { syncBackfills, syncRuns, workItems } from '../db/schema.ts';

/** The cursor the last successful sync of an integration left, or null. */
export async function loadCursor(db: AppDb, integrationId: number): Promise<Record<string, unknown> | null> {
  const [last] = await db
    .select({ stats: syncRuns.stats })
    .from(syncRuns)
    .where(and(eq(syncRuns.integrationId, integrationId), eq(syncRuns.status, 'succeeded')))
    .orderBy(desc(syncRuns.startedAt), desc(syncRuns.id))
    .limit(1);
  const cursor = last?.stats?.cursor;
  return typeof cursor === 'object' && cursor !== null ? (cursor as Record<string, unknown>) : null;
}

/** What is stored of one kind, by external id (two columns and the source's update time). */
export async function knownItems(
  db: AppDb,
  integrationId: number,
  kind: WorkItemKind,
): Promise<Map<string, KnownItem>> {
  const rows = await db
    .select({
      externalId: workItems.externalId,
      state: workItems.state,
      createdAt: workItems.createdAt,
      updatedAt: sql<string | null>`${workItems.data}->>'updatedAt'`,
    })
    .from(workItems)
    .where(and(eq(workItems.integrationId, integrationId), eq(workItems.kind, kind)));
  return new Map(rows.map((r) => [r.externalId, { state: r.state, createdAt: r.createdAt, updatedAt: r.updatedAt }]));
}

/** True when the integration has no stored item at all. */
export async function hasNoItems(db: AppDb, integrationId: number): Promise<boolean> {
  const rows = await db
    .select({ id: workItems.id })
    .from(workItems)
    .where(eq(workItems.integrationId, integrationId))
    .limit(1);
  return rows.length === 0;
}

const CHUNK = 500;

/** Writes a fetch result in one transaction; returns how many rows it wrote and deleted. */
export async function applyChanges(
  db: AppDb,
  integrationId: number,
  result: FetchResult,
): Promise<{ written: number; deleted: number }> {
  if (!result.complete && result.items.length === 0 && result.deleted.length === 0) return { written: 0, deleted: 0 };
  return db.transaction(async (tx) => {
    let deleted = 0;
    if (result.complete) {
      const removed = await tx
        .delete(workItems)
        .where(eq(workItems.integrationId, integrationId))
        .returning({ id: workItems.id });
      deleted = removed.length - result.items.length;
    } else {
      const byKind = new Map<WorkItemKind, string[]>();
      for (const item of result.deleted) byKind.set(item.kind, [...(byKind.get(item.kind) ?? []), item.externalId]);
      for (const [kind, ids] of byKind) {
        const removed = await tx
          .delete(workItems)
          .where(
            and(
              eq(workItems.integrationId, integrationId),
              eq(workItems.kind, kind),
              inArray(workItems.externalId, ids),
            ),
          )
          .returning({ id: workItems.id });
        deleted += removed.length;
      }
    }
    if (result.complete) {
      for (let i = 0; i < result.items.length; i += CHUNK) {
        await tx.insert(workItems).values(result.items.slice(i, i + CHUNK).map((item) => ({ ...item, integrationId })));
      }
    } else await upsertItems(tx, integrationId, result.items, null);
    return { written: result.items.length, deleted: Math.max(0, deleted) };
  });
}

type Tx = Parameters<Parameters<AppDb['transaction']>[0]>[0];

/** Inserts or updates items by (integration, kind, external id), stamping the backfill that saw them. */
async function upsertItems(
  tx: Tx,
  integrationId: number,
  items: readonly WorkItemInput[],
  seenIn: string | null,
): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) {
    const chunk = items.slice(i, i + CHUNK).map((item) => ({ ...item, integrationId, seenIn }));
    await tx
      .insert(workItems)
      .values(chunk)
      .onConflictDoUpdate({
        target: [workItems.integrationId, workItems.kind, workItems.externalId],
        set: {
          title: sql`excluded.title`,
          state: sql`excluded.state`,
          createdAt: sql`excluded.created_at`,
          startedAt: sql`excluded.started_at`,
          firstReviewAt: sql`excluded.first_review_at`,
          finishedAt: sql`excluded.finished_at`,
          storyPoints: sql`excluded.story_points`,
          sprint: sql`excluded.sprint`,
          data: sql`excluded.data`,
          seenIn: sql`excluded.seen_in`,
        },
      });
  }
}

/** A full sync under way: its id (the stamp of the items it saw) and where it stood. */
export interface StoredBackfill {
  backfillId: string;
  state: Record<string, unknown> | null;
}

/** The integration's unfinished backfill, if a full sync was killed or failed. */
export async function loadBackfill(db: AppDb, integrationId: number): Promise<StoredBackfill | null> {
  const [row] = await db
    .select({ backfillId: syncBackfills.backfillId, state: syncBackfills.state })
    .from(syncBackfills)
    .where(eq(syncBackfills.integrationId, integrationId));
  return row ? { backfillId: row.backfillId, state: Object.keys(row.state).length > 0 ? row.state : null } : null;
}

/** Starts a backfill (or finds the one another process just started). */
export async function startBackfill(db: AppDb, integrationId: number, backfillId: string): Promise<StoredBackfill> {
  await db.insert(syncBackfills).values({ integrationId, backfillId, state: {} }).onConflictDoNothing();
  return (await loadBackfill(db, integrationId)) ?? { backfillId, state: null };
}

/** Saves one page of a backfill and where it stands, in one transaction (so a resume repeats nothing). */
export async function saveBackfillPage(
  db: AppDb,
  integrationId: number,
  backfillId: string,
  items: readonly WorkItemInput[],
  state: Record<string, unknown>,
): Promise<void> {
  await db.transaction(async (tx) => {
    await upsertItems(tx, integrationId, items, backfillId);
    await tx
      .update(syncBackfills)
      .set({ state, updatedAt: sql`now()` })
      .where(and(eq(syncBackfills.integrationId, integrationId), eq(syncBackfills.backfillId, backfillId)));
  });
}

/** Ends a backfill: what it did not see is gone upstream. Returns how many items that removed. */
export async function finishBackfill(db: AppDb, integrationId: number, backfillId: string): Promise<number> {
  return db.transaction(async (tx) => {
    const removed = await tx
      .delete(workItems)
      .where(and(eq(workItems.integrationId, integrationId), sql`${workItems.seenIn} IS DISTINCT FROM ${backfillId}`))
      .returning({ id: workItems.id });
    await tx.delete(syncBackfills).where(eq(syncBackfills.integrationId, integrationId));
    return removed.length;
  });
}

/** Forgets a backfill whose sync stored its result another way (a complete replacement). */
export async function dropBackfill(db: AppDb, integrationId: number): Promise<void> {
  await db.delete(syncBackfills).where(eq(syncBackfills.integrationId, integrationId));
}

/** Shows a running sync's progress (`stats` of its run) to readers of the last sync. */
export async function recordProgress(db: AppDb, runId: number, stats: Record<string, unknown>): Promise<void> {
  await db
    .update(syncRuns)
    .set({ stats })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'running')));
}
