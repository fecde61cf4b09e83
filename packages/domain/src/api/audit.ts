/** The audit log: every change, who made it, when, from where, and the fields before and after. */
import { z } from 'zod';
import { NextCursor, PageQuery, route, Timestamp } from './common.ts';

/** The kinds of entity a change can touch. */
export const AuditEntity = z.enum(['user', 'team', 'team_member', 'integration', 'api_token', 'session', 'cache']);

/** One change. `before`/`after` hold non-secret fields only (never a password, token or credential). */
export const AuditEntrySchema = z.object({
  id: z.number().int().positive(),
  at: Timestamp,
  actorId: z.number().int().positive().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  entity: AuditEntity,
  entityId: z.string().nullable(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  address: z.string().nullable(),
});
/** One audit entry. */
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** GET /api/admin/audit filters (all optional), newest first. */
export const AuditQuery = PageQuery.extend({
  actorId: z.coerce.number().int().positive().optional(),
  entity: AuditEntity.optional(),
  entityId: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  since: Timestamp.optional(),
  until: Timestamp.optional(),
}).strict();

/** A page of the audit log. */
export const AuditPage = z.object({ entries: z.array(AuditEntrySchema), nextCursor: NextCursor });

/** The routes of this file. */
export const auditRoutes = [
  route({
    id: 'audit.list',
    method: 'GET',
    path: '/api/admin/audit',
    summary: 'The audit log, newest first',
    tag: 'Admin',
    access: 'admin',
    query: AuditQuery,
    responses: { 200: AuditPage },
  }),
];
