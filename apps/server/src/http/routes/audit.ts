/** GET /api/admin/audit: the audit log, newest first, with filters (admins only). */
import { AuditQuery } from '@agiletrack/domain';
import type { FastifyPluginAsync } from 'fastify';
import { pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import { principalOf, requireAdmin } from '../guards.ts';
import { parse } from '../validation.ts';

/** See the file comment. */
export const auditRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/api/admin/audit', async (request) => {
      requireAdmin(principalOf(request));
      const { cursor, limit, ...filter } = parse(AuditQuery, request.query, 'query');
      // Audit ids are bigint: a cursor may name any id JavaScript holds exactly.
      const page = await deps.audit.list(filter, pageOf({ cursor, limit }, Number.MAX_SAFE_INTEGER));
      return { entries: page.items, nextCursor: page.nextCursor };
    });
  };
