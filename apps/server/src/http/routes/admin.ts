/** Admin cache routes: stats per tier, clear (all, key, prefix, tag), warm the hot keys. */
import { ClearCacheQuery, WarmQuery } from '@agiletrack/domain';
import type { FastifyPluginAsync } from 'fastify';
import { warmTeams } from '../../cache/warmer.ts';
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
      request.log.info({ reqId: request.id, query, by: request.principal?.email }, 'cache cleared by admin');
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

    app.post('/api/admin/cache/warm', async (request) => {
      const { teamId } = parse(WarmQuery, request.query, 'query');
      const services = { teams, integrations: integrationService, metrics };
      if (teamId !== undefined) await teams.getTeam(teamId);
      const warmed = await warmTeams(services, {
        force: true,
        ...(teamId !== undefined && { teamIds: [teamId] }),
      });
      return { warmed };
    });
  };
