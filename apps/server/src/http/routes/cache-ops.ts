/**
 * Operating the cache over HTTP (admins): the live monitor stream, per-family analytics and
 * the server's alerts.
 */
import { AlertsQuery, ClientReportSchema, MonitorQuerySchema } from '@agiletrack/domain';
import type { FastifyPluginAsync } from 'fastify';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../errors.ts';
import type { AppDeps } from '../deps.ts';
import { principalOf, requireAdmin } from '../guards.ts';
import { openSse } from '../sse.ts';
import { parse } from '../validation.ts';

const REPORT_EVERY_MS = 55_000;
const REPORT_MAX = 100;

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

    // Any signed-in dashboard may report; the figure only feeds an alert rule. A dashboard reports
    // once a minute: one user's reports count once a minute and at most REPORT_MAX each, so no
    // member can inflate the admins' alert and metric beyond what one browser could see.
    const reported = new LRUCache<number, true>({ max: 10_000, ttl: REPORT_EVERY_MS });
    app.post('/api/cache/client-report', async (request, reply) => {
      const principal = principalOf(request);
      const report = parse(ClientReportSchema, request.body);
      if (reported.has(principal.userId)) {
        throw new AppError('E_RATE_LIMITED', 'one report a minute', {
          retryAfterMs: reported.getRemainingTTL(principal.userId),
        });
      }
      reported.set(principal.userId, true);
      ops.clientReports.quotaFailures += Math.min(report.quotaFailures, REPORT_MAX);
      return reply.code(204).send();
    });
  };
