/** Time sources. TTL logic reads time only through a `Clock`, so tests can move it by hand. */
import type { Clock, Ms } from './types.ts';

/** Wall-clock time (`Date.now`), the default. */
export const systemClock: Clock = { now: () => Date.now() };

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
