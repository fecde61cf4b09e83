/**
 * The audit log: every change with who made it, when, from which address, and the non-secret
 * fields before and after. Entries are written by the service that makes the change, inside the
 * change's transaction, so a change and its entry commit or roll back together.
 */
import type { AuditEntry } from '@agiletrack/domain';
import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { auditLog } from '../db/schema.ts';
import { type PageRequest, type PageResult, toPage } from './page.ts';

/** Who made a change and from where. */
export interface Actor {
  readonly userId: number | null;
  readonly email: string | null;
  readonly address: string | null;
}

/** Changes made by the server itself or its command line (demo data, `npm run cli`). */
export const SYSTEM_ACTOR: Actor = { userId: null, email: null, address: null };

/** What changed. `before`/`after` must hold no secret (no password, token or credential). */
export interface AuditChange {
  readonly action: string;
  readonly entity: AuditEntry['entity'];
  readonly entityId: number | string | null;
  readonly before?: Record<string, unknown> | null;
  readonly after?: Record<string, unknown> | null;
}

/** Writes one entry; pass the transaction the change runs in. */
export async function recordAudit(tx: AppDb, actor: Actor, change: AuditChange): Promise<void> {
  await tx.insert(auditLog).values({
    actorId: actor.userId,
    actorEmail: actor.email,
    address: actor.address,
    action: change.action,
    entity: change.entity,
    entityId: change.entityId === null ? null : String(change.entityId),
    before: change.before ?? null,
    after: change.after ?? null,
  });
}

/** The filters of {@link AuditLog.list}. */
export interface AuditFilter {
  actorId?: number | undefined;
  entity?: AuditEntry['entity'] | undefined;
  entityId?: string | undefined;
  action?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

type AuditRow = typeof auditLog.$inferSelect;

/** Reads the log, newest first. */
export class AuditLog {
  constructor(readonly db: AppDb) {}

  /** One page; the cursor of a newest-first list is the last id seen (older ones follow). */
  async list(filter: AuditFilter, page: PageRequest): Promise<PageResult<AuditRow>> {
    const where: SQL[] = [];
    if (filter.actorId !== undefined) where.push(eq(auditLog.actorId, filter.actorId));
    if (filter.entity !== undefined) where.push(eq(auditLog.entity, filter.entity));
    if (filter.entityId !== undefined) where.push(eq(auditLog.entityId, filter.entityId));
    if (filter.action !== undefined) where.push(eq(auditLog.action, filter.action));
    if (filter.since !== undefined) where.push(gte(auditLog.at, new Date(filter.since)));
    if (filter.until !== undefined) where.push(lte(auditLog.at, new Date(filter.until)));
    if (page.after !== undefined) where.push(lt(auditLog.id, page.after));
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(and(...where))
      .orderBy(desc(auditLog.id))
      .limit(page.limit + 1);
    return toPage(rows, page, (row) => row.id);
  }
}
