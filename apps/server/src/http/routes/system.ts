/** Health, and `/metrics` (Prometheus: process metrics plus every cache counter). */
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { describeMode } from '../../config.ts';
import { registerMetrics } from '../../monitoring/prometheus.ts';
import type { AppDeps } from '../deps.ts';
import { startMetricsListener } from '../metrics-access.ts';
import type { HandlersOf } from '../routing.ts';

/** How long one health check may take before it counts as failed (the route answers within ~this). */
const HEALTH_CHECK_DEADLINE_MS = 500;

/** See the file comment. `app` carries the loopback metrics listener's lifetime. */
export function systemRoutes(
  deps: AppDeps,
  app: FastifyInstance,
): Pick<HandlersOf<'system'>, 'system.health' | 'system.metrics'> {
  const registry = new Registry();
  registerMetrics(registry, deps.serverCache, deps.ops);

  const metricsPort = deps.config.METRICS_PORT;
  if (metricsPort !== undefined) {
    // The loopback listener lives exactly as long as the API listens.
    let listener: Server | undefined;
    app.addHook('onListen', async () => {
      listener = await startMetricsListener(metricsPort, async () => ({
        contentType: registry.contentType,
        body: await registry.metrics(),
      }));
    });
    app.addHook('onClose', async () => {
      await new Promise((resolve) => (listener ? listener.close(resolve) : resolve(undefined)));
    });
  }

  // Every check has a deadline: a frozen Redis or database must not hold the answer (nor a load
  // balancer probing it). Past the deadline a check reads 'timeout'.
  const check = async (probe: () => Promise<unknown>): Promise<'ok' | 'error' | 'timeout'> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), HEALTH_CHECK_DEADLINE_MS);
    });
    const result = probe().then(
      () => 'ok' as const,
      () => 'error' as const,
    );
    return Promise.race([result, deadline]).finally(() => clearTimeout(timer));
  };

  return {
    'system.metrics': async ({ reply }) => reply.type(registry.contentType).send(await registry.metrics()),

    'system.health': async ({ reply }) => {
      const redis = deps.serverCache.redis;
      const [database, redisCheck] = await Promise.all([
        check(() => deps.database.sql.query('SELECT 1')),
        redis ? check(() => redis.ping()) : undefined,
      ]);
      const checks: Record<string, string> = { database };
      if (redisCheck) checks.redis = redisCheck;
      const cache = deps.serverCache.cache;
      const bus = cache.stats().bus;
      // Without a bus (one process) there is nothing to lose; with one, say whether it is connected.
      if (deps.serverCache.l2 !== 'database' || deps.database.kind === 'postgres') {
        checks.bus = cache.busHealthy ? 'ok' : 'down';
      }
      const ok = database === 'ok';
      // Redis or the bus down is degraded, not down: requests are still served from the database,
      // and local copies only while they are younger than the bus-down bound.
      const degraded = Object.entries(checks)
        .filter(([, value]) => value !== 'ok')
        .map(([name]) => name);
      const status = !ok ? 'down' : degraded.length > 0 ? 'degraded' : 'ok';
      return reply.code(ok ? 200 : 503).send({
        status,
        mode: describeMode(deps.config),
        checks,
        ...(degraded.length > 0 && { degraded }),
        bus: { healthy: bus.healthy, downs: bus.downs },
      });
    },
  };
}
