/**
 * Cache operations in the logs: each one at `debug` (the cache times operations only while the
 * log level asks for them), and slow loads at `info` as a periodic summary per family, read from
 * the per-family load-time histograms so nothing runs per operation at `info`.
 */
import type { Cache } from '@agiletrack/cache';
import type { Logger } from 'pino';
import { familySnapshot } from './family-stats.ts';
import type { OperationTap } from './operations.ts';

const SUMMARY_MS = 10_000;

/** Loads of each family whose time bucket lies at or above `thresholdMs` (a bucket's upper bound). */
function slowLoads(cache: Cache, thresholdMs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [family, counts] of Object.entries(familySnapshot(cache))) {
    let slow = 0;
    // A bucket counts when its lower edge is past the threshold: upper bounds grow 1-2.5-5.
    for (const [upper, count] of counts.loadBuckets) if (upper / 2.5 >= thresholdMs) slow += count;
    if (slow > 0) out.set(family, slow);
  }
  return out;
}

/** Starts logging; returns the function that stops. */
export function logCacheOperations(options: {
  cache: Cache;
  tap: OperationTap;
  logger: Logger;
  slowLoadMs: number;
}): () => void {
  const log = options.logger.child({ component: 'cache' });
  const off = log.isLevelEnabled('debug')
    ? options.tap.add((op) =>
        log.debug(
          { key: op.key, family: op.family, op: op.op, tier: op.tier, outcome: op.outcome, ms: op.ms },
          'cache operation',
        ),
      )
    : () => {};
  let seen = slowLoads(options.cache, options.slowLoadMs);
  const timer = setInterval(() => {
    const now = slowLoads(options.cache, options.slowLoadMs);
    for (const [family, count] of now) {
      const more = count - (seen.get(family) ?? 0);
      if (more > 0) {
        log.info({ family, loads: more, overMs: options.slowLoadMs }, `slow cache loads of ${family}`);
      }
    }
    seen = now;
  }, SUMMARY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    off();
  };
}
