/** GET /api/health and GET /metrics (Prometheus: process metrics plus every cache counter). */
import type { FastifyPluginAsync } from 'fastify';
import { Registry } from 'prom-client';
import { registerMetrics } from '../../cache/prometheus.ts';
import { describeMode } from '../../config.ts';
import type { AppDeps } from '../deps.ts';

/** See the file comment. */
export const systemRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const registry = new Registry();
    registerMetrics(registry, deps.serverCache, deps.ops);

    app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));

    app.get('/api/health', async (_request, reply) => {
      const checks: Record<string, string> = {};
      try {
        await deps.database.sql.query('SELECT 1');
        checks.database = 'ok';
      } catch {
        checks.database = 'error';
      }
      if (deps.serverCache.redis) {
        checks.redis = await deps.serverCache.redis
          .ping()
          .then(() => 'ok')
          .catch(() => 'error');
      }
      const ok = checks.database === 'ok';
      // Redis down is degraded, not down: requests are still served from L1 and the database.
      const status = !ok ? 'down' : checks.redis === 'error' ? 'degraded' : 'ok';
      return reply.code(ok ? 200 : 503).send({ status, mode: describeMode(deps.config), checks });
    });
  };
