/** Time sources. TTL logic reads time only through a `Clock`, so tests can move it by hand. */
import type { Clock, Ms } from './types.ts';

let cachedNow: number | undefined;
const forget = (): void => {
  cachedNow = undefined;
};

/**
 * Wall-clock time, the default. Reading the system clock costs more than an L1 hit itself, so
 * the value is kept for one timer tick (≥ 1 ms, as lru-cache's `ttlResolution` does): TTLs are
 * checked to the millisecond, at most a tick late.
 */
export const systemClock: Clock = {
  now() {
    if (cachedNow !== undefined) return cachedNow;
    cachedNow = Date.now();
    const timer = setTimeout(forget, 1) as { unref?: () => void };
    timer.unref?.();
    return cachedNow;
  },
};

/** A clock that only moves when told to. For tests: expiry is checked without sleeping. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`. */
  advance(ms: Ms): void;
  /** Jumps to an absolute time. */
  set(at: Ms): void;
}

/** Creates a {@link FakeClock} starting at `start` (a fixed date by default, for readable stamps). */
export function createFakeClock(start: Ms = Date.UTC(2026, 0, 1)): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError('a fake clock only moves forward');
      now += ms;
    },
    set(at) {
      now = at;
    },
  };
}
