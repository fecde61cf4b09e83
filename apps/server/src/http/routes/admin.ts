/** Admin cache routes: stats per tier, clear (all, key, prefix, tag), warm the hot keys. */
import { ClearCacheQuery } from '@agiletrack/domain';
import type { FastifyPluginAsync } from 'fastify';
import { describeMode } from '../../config.ts';
import type { AppDeps } from '../deps.ts';
import { principalOf, requireAdmin } from '../guards.ts';
import { parse } from '../validation.ts';

/** See the file comment. */
export const adminRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { serverCache, teams, integrations: integrationService, metrics } = deps;
    app.addHook('preHandler', async (request) => {
      requireAdmin(principalOf(request));
    });

    app.get('/api/admin/cache/stats', async () => {
      let redis: Record<string, unknown> | null = null;
      if (deps.ops.redisInfo) {
        try {
          redis = { ...(await deps.ops.redisInfo.read()) };
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
    });

    app.delete('/api/admin/cache', async (request) => {
      const query = parse(ClearCacheQuery, request.query, 'query');
      const cache = serverCache.cache;
      if (query.key !== undefined) await cache.delete(query.key);
      else if (query.prefix !== undefined) await cache.clear(query.prefix);
      else if (query.tag !== undefined) await cache.invalidateTags([query.tag]);
      else await cache.clear();
      request.log.info({ query, by: request.principal?.email }, 'cache cleared by admin');
      return {
        cleared: query.key
          ? { key: query.key }
          : query.prefix
            ? { prefix: query.prefix }
            : query.tag
              ? { tag: query.tag }
              : 'all',
      };
    });

    app.post('/api/admin/cache/warm', async () => {
      const started = performance.now();
      await teams.listTeams({ force: true });
      const ids = await teams.teamIds();
      let keys = 1;
      for (const teamId of ids) {
        await teams.getTeam(teamId, { force: true });
        const integrations = await integrationService.listIntegrations(teamId, { force: true });
        await metrics.teamMetrics(teamId, { force: true });
        keys += 3;
        for (const integration of integrations) {
          await integrationService.getIntegration(integration.id, { force: true });
          await metrics.integrationMetrics(integration, { force: true });
          await metrics.lastSync(integration, { force: true });
          keys += 3;
        }
      }
      return { warmed: { teams: ids.length, keys, ms: Math.round(performance.now() - started) } };
    });
  };
