/**
 * Where a sync's results land: the cursor of the last successful run, what is stored of each
 * kind (so connectors skip unchanged items), and the changes written in one transaction — upserts
 * and deletions for an incremental sync, a replacement for a complete one.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { FetchResult, KnownItem, WorkItemKind } from '../connectors/types.ts';
import type { AppDb } from '../db/database.ts';
import { syncRuns, workItems } from '../db/schema.ts';

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
    for (let i = 0; i < result.items.length; i += CHUNK) {
      const chunk = result.items.slice(i, i + CHUNK).map((item) => ({ ...item, integrationId }));
      const insert = tx.insert(workItems).values(chunk);
      if (result.complete) await insert;
      else
        await insert.onConflictDoUpdate({
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
          },
        });
    }
    return { written: result.items.length, deleted: Math.max(0, deleted) };
  });
}
