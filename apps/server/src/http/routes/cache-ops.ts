/**
 * Operating the cache over HTTP (admins): the live monitor stream, per-family analytics and
 * the server's alerts.
 */
import { AlertsQuery, ClientReportSchema, MonitorQuerySchema } from '@agiletrack/domain';
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.ts';
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

    app.get('/api/admin/cache/families', async (request) => {
      requireAdmin(principalOf(request));
      return ops.analytics.report();
    });

    app.get('/api/admin/alerts', async (request) => {
      requireAdmin(principalOf(request));
      const { since } = parse(AlertsQuery, request.query, 'query');
      return ops.alerts.list(since);
    });

    // Any signed-in dashboard may report; the figure only feeds an alert rule.
    app.post('/api/cache/client-report', async (request, reply) => {
      principalOf(request);
      const report = parse(ClientReportSchema, request.body);
      ops.clientReports.quotaFailures += report.quotaFailures;
      return reply.code(204).send();
    });
  };
