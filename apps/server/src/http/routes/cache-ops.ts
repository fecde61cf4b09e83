/**
 * Operating the cache over HTTP (admins): the live monitor stream, per-family analytics and
 * the server's alerts.
 */
import { MonitorQuerySchema } from '@agiletrack/domain';
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app.ts';
import { principalOf, requireAdmin } from '../guards.ts';
import { openSse } from '../sse.ts';
import { parse } from '../validation.ts';

/** See the file comment. */
export const cacheOpsRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { ops } = deps;

    app.get('/api/admin/cache/monitor', async (request, reply) => {
      requireAdmin(principalOf(request));
      const filter = parse(MonitorQuerySchema, request.query, 'query');
      const stream = openSse(request, reply);
      stream.send('ready', { instance: ops.instance, filter });
      stream.onClose(ops.monitor.watch(filter, (op) => stream.send('op', op)));
    });
  };
