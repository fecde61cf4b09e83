/** The audit log, newest first, with filters (admins only). */
import { pageOf } from '../../services/page.ts';
import type { AppDeps } from '../deps.ts';
import type { HandlersOf } from '../routing.ts';

/** See the file comment. */
export function auditRoutes(deps: AppDeps): HandlersOf<'audit'> {
  return {
    'audit.list': async ({ query }) => {
      const { cursor, limit, ...filter } = query;
      // Audit ids are bigint: a cursor may name any id JavaScript holds exactly.
      const page = await deps.audit.list(filter, pageOf({ cursor, limit }, Number.MAX_SAFE_INTEGER));
      return { entries: page.items, nextCursor: page.nextCursor };
    },
  };
}
