/**
 * Operating the cache on one instance: the operation tap, the live monitor, the per-family
 * analytics and the alert rules, built together and closed together.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { EventHub } from './event-hub.ts';
import { CacheMonitor } from './monitor.ts';
import { OperationTap } from './operations.ts';
import type { ServerCache } from './server-cache.ts';

/** What the routes and the CLI reach. */
export interface CacheOps {
  readonly instance: string;
  readonly tap: OperationTap;
  readonly monitor: CacheMonitor;
  close(): Promise<void>;
}

/** Builds the operations side of one instance's cache. */
export function createCacheOps(options: {
  config: Config;
  serverCache: ServerCache;
  hub: EventHub;
  logger: Logger;
}): CacheOps {
  const { serverCache, logger } = options;
  const instance = serverCache.instance;
  const tap = new OperationTap(serverCache.cache);
  const monitor = new CacheMonitor({ tap, topics: serverCache.topics, instance, logger });
  return {
    instance,
    tap,
    monitor,
    async close() {
      await monitor.close();
    },
  };
}
