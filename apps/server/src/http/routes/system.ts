/** GET /api/health and GET /metrics (Prometheus: process metrics plus every cache counter). */
import type { FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { describeMode } from '../../config.ts';
import type { AppDeps } from '../deps.ts';

/** See the file comment. */
export const systemRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'agiletrack_' });
    const cache = deps.serverCache.cache;
    const tierGauge = (
      name: string,
      help: string,
      pick: (tier: ReturnType<typeof cache.stats>['tiers'][number]) => number | undefined,
    ) =>
      new Gauge({
        name: `agiletrack_cache_${name}`,
        help,
        labelNames: ['tier'],
        registers: [registry],
        collect() {
          for (const tier of cache.stats().tiers) this.set({ tier: tier.name }, pick(tier) ?? 0);
        },
      });
    tierGauge('hits_total', 'Reads answered by this tier', (t) => t.hits);
    tierGauge('misses_total', 'Reads this tier could not answer', (t) => t.misses);
    tierGauge('stale_hits_total', 'Stale entries found in this tier', (t) => t.staleHits);
    tierGauge('errors_total', 'Failed calls to this tier', (t) => t.errors);
    tierGauge('timeouts_total', 'Calls past the tier deadline', (t) => t.timeouts);
    tierGauge('entries', 'Entries held', (t) => t.entries);
    tierGauge('bytes', 'Bytes held', (t) => t.bytes);
    tierGauge('evictions_total', 'Entries evicted to make room', (t) => t.evictions);
    tierGauge('breaker_open', '1 while the circuit breaker is open', (t) => (t.breaker === 'closed' ? 0 : 1));
    tierGauge('get_p99_ms', 'p99 of get, in ms', (t) => t.timings.get?.p99Ms);
    new Gauge({
      name: 'agiletrack_cache_factory_calls_total',
      help: 'getOrSet factory calls (origin reads)',
      registers: [registry],
      collect() {
        this.set(cache.stats().getOrSet.factoryCalls);
      },
    });

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
