/**
 * Operating the cache over HTTP: stats per tier, clear (all, key, prefix, tag), warm the hot keys,
 * the live monitor stream, per-family analytics and the alerts (admins); the dashboards' reports of
 * their browser storage (any user).
 */
import { MonitorStream } from '@agiletrack/domain';
import { LRUCache } from 'lru-cache';
import { warmTeams } from '../../cache/warmer.ts';
import { describeMode } from '../../config.ts';
import { AppError } from '../../errors.ts';
import type { AppDeps } from '../deps.ts';
import type { HandlersOf } from '../routing.ts';
import { openSse } from '../sse.ts';

const REPORT_EVERY_MS = 55_000;
const REPORT_MAX = 100;

/** See the file comment. */
export function cacheRoutes(deps: AppDeps): HandlersOf<'cache'> {
  const { serverCache, teams, integrations, metrics, ops } = deps;
  const reported = new LRUCache<number, true>({ max: 10_000, ttl: REPORT_EVERY_MS });
  return {
    'cache.stats': async () => {
      let redis: Record<string, unknown> | null = null;
      if (ops.redisInfo) {
        try {
          redis = { ...(await ops.redisInfo.read()) };
        } catch (error) {
          redis = { error: (error as Error).message };
        }
      }
      const memory = process.memoryUsage();
      return {
        mode: describeMode(deps.config),
        cache: serverCache.cache.stats(),
        redis,
        process: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
        sseConnections: deps.hub.listeners,
      };
    },

    'cache.clear': async ({ request, query }) => {
      const cache = serverCache.cache;
      if (query.key !== undefined) await cache.delete(query.key);
      else if (query.prefix !== undefined) await cache.clear(query.prefix);
      else if (query.tag !== undefined) await cache.invalidateTags([query.tag]);
      else await cache.clear();
      deps.logger.info({ reqId: request.id, query, by: request.principal?.email }, 'cache cleared by admin');
      return {
        cleared: query.key
          ? { key: query.key }
          : query.prefix
            ? { prefix: query.prefix }
            : query.tag
              ? { tag: query.tag }
              : ('all' as const),
      };
    },

    'cache.warm': async ({ query: { teamId } }) => {
      if (teamId !== undefined) await teams.getTeam(teamId);
      const warmed = await warmTeams(
        { teams, integrations, metrics },
        { force: true, ...(teamId !== undefined && { teamIds: [teamId] }) },
      );
      return { warmed };
    },

    'cache.monitor': ({ request, reply, query: filter }) => {
      const stream = openSse(request, reply, MonitorStream);
      stream.send('ready', { instance: ops.instance, filter });
      stream.onClose(ops.monitor.watch(filter, (op) => stream.send('op', op)));
      return reply;
    },

    'cache.families': () => ops.analytics.report(),

    'cache.alerts': ({ query }) => ops.alerts.list(query.since),

    // The figure only feeds an alert rule. A dashboard reports once a minute: one user's reports
    // count once a minute and at most REPORT_MAX each, so no member can inflate the admins' alert
    // and metric beyond what one browser could see.
    'cache.clientReport': ({ principal, body }) => {
      if (reported.has(principal.userId)) {
        throw new AppError('E_RATE_LIMITED', 'one report a minute', {
          retryAfterMs: reported.getRemainingTTL(principal.userId),
        });
      }
      reported.set(principal.userId, true);
      ops.clientReports.quotaFailures += Math.min(body.quotaFailures, REPORT_MAX);
      return undefined;
    },
  };
}
