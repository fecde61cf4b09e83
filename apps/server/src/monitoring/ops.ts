/**
 * Operating the cache on one instance: the operation tap, per-family counters, the live
 * monitor, the alert rules and Redis INFO, built together and closed together.
 */
import type { Logger } from 'pino';
import type { ServerCache } from '../cache/server-cache.ts';
import { StartupWarmer } from '../cache/warmer.ts';
import type { Config } from '../config.ts';
import type { EventHub } from '../events/event-hub.ts';
import { AlertEngine, alertThresholds } from './alerts.ts';
import { FamilyAnalytics } from './analytics.ts';
import { holdingsReader } from './holdings.ts';
import { logCacheOperations } from './logging.ts';
import { CacheMonitor } from './monitor.ts';
import { OperationTap } from './operations.ts';
import { RedisInfoReader } from './redis-info.ts';

/** What the routes and the CLI reach. */
export interface CacheOps {
  readonly instance: string;
  readonly tap: OperationTap;
  readonly monitor: CacheMonitor;
  readonly analytics: FamilyAnalytics;
  readonly alerts: AlertEngine;
  readonly redisInfo: RedisInfoReader | undefined;
  /** The background warm at start (its `done` settles when it is over). */
  readonly warmer: StartupWarmer;
  /** What dashboards reported about their browser storage, cumulative. */
  readonly clientReports: { quotaFailures: number };
  close(): Promise<void>;
}

/** Builds the operations side of one instance's cache and starts its alert rules. */
export function createCacheOps(options: {
  config: Config;
  serverCache: ServerCache;
  hub: EventHub;
  logger: Logger;
}): CacheOps {
  const { config, serverCache, hub, logger } = options;
  const instance = serverCache.instance;
  const tap = new OperationTap(serverCache.cache);
  const offLog = logCacheOperations({ cache: serverCache.cache, tap, logger, slowLoadMs: config.CACHE_SLOW_LOAD_MS });
  const monitor = new CacheMonitor({
    tap,
    topics: serverCache.topics,
    instance,
    logger,
    maxOpsPerSecond: config.MONITOR_MAX_OPS_PER_SECOND,
  });
  const redisInfo = serverCache.redis ? new RedisInfoReader(serverCache.redis) : undefined;
  const clientReports = { quotaFailures: 0 };
  const analytics = new FamilyAnalytics(
    serverCache,
    holdingsReader({
      l1: serverCache.l1,
      redis: serverCache.redis,
      prefix: config.REDIS_PREFIX,
      redisTierName: 'redis',
    }),
  );
  const warmer = new StartupWarmer();
  const alerts = new AlertEngine(
    { cache: serverCache.cache, redisInfo, quotaFailures: () => clientReports.quotaFailures },
    alertThresholds(config),
    instance,
    logger,
  );
  const offAlerts = alerts.onChange((alert) => hub.alert(alert));
  alerts.start(config.ALERT_INTERVAL_MS);
  return {
    instance,
    tap,
    monitor,
    analytics,
    alerts,
    redisInfo,
    clientReports,
    warmer,
    async close() {
      await warmer.stop();
      alerts.stop();
      offAlerts();
      offLog();
      await monitor.close();
      await analytics.close();
    },
  };
}
