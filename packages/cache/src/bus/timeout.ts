/** A deadline for one Redis call of the bus, lock or tag store, which the cache does not guard itself. */
import { MAX_TIMER_MS } from '../clock.ts';
import { CacheTierTimeoutError } from '../errors.ts';
import type { Ms } from '../types.ts';

/**
 * Resolves or rejects as `promise` does, or rejects with `CacheTierTimeoutError(what, op, ms)`
 * after `ms`. A frozen Redis (SIGSTOP, a stuck network) keeps the socket open and never answers;
 * without this a caller would wait as long as the freeze lasts. The timer is always cleared.
 */
export function withTimeout<T>(promise: Promise<T>, ms: Ms, what: string, op: string): Promise<T> {
  // Longer than a timer can wait (Infinity included): no deadline at all.
  if (ms > MAX_TIMER_MS) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheTierTimeoutError(what, op, ms)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
