/** Time sources. TTL logic reads time only through a `Clock`, so tests can move it by hand. */
import { CacheArgumentError } from './errors.ts';
import type { Clock, Ms } from './types.ts';

/** The longest delay `setTimeout` takes (2^31 - 1 ms); it fires a longer one after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

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
  schedule: realTimer,
};

const noop = (): void => {};

/**
 * A real timer that never holds the process open (the cache's timers wait on work that does).
 * Longer than a timer can wait (Infinity included): it never fires, where setTimeout would fire
 * it after 1 ms.
 */
function realTimer(ms: Ms, fn: () => void): () => void {
  if (ms > MAX_TIMER_MS) return noop;
  const timer = setTimeout(fn, ms) as ReturnType<typeof setTimeout> & { unref?: () => void };
  timer.unref?.();
  return () => clearTimeout(timer);
}

/**
 * Calls `fn` once `ms` of `clock`'s time have passed; returns the function that cancels it. Every
 * timer of the cache goes through here (tier deadlines, soft and hard timeouts, the sweep), so a
 * fake clock drives them all; a clock without `schedule` gets real timers.
 */
export function schedule(clock: Clock, ms: Ms, fn: () => void): () => void {
  if (ms > MAX_TIMER_MS) return noop;
  return clock.schedule ? clock.schedule(ms, fn) : realTimer(ms, fn);
}

/** A clock that only moves when told to. For tests: expiry is checked without sleeping. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`. */
  advance(ms: Ms): void;
  /** Jumps to an absolute time. */
  set(at: Ms): void;
  /** Timers scheduled on this clock that have neither fired nor been cancelled. */
  readonly pending: number;
}

/** Creates a {@link FakeClock} starting at `start` (a fixed date by default, for readable stamps). */
export function createFakeClock(start: Ms = Date.UTC(2026, 0, 1)): FakeClock {
  let now = start;
  let timers: { at: Ms; fn: () => void }[] = [];
  // Fires due timers in time order; a timer scheduled by a firing one fires too if it is due.
  const fire = (): void => {
    for (;;) {
      let next: { at: Ms; fn: () => void } | undefined;
      for (const timer of timers) if (timer.at <= now && (next === undefined || timer.at < next.at)) next = timer;
      if (next === undefined) return;
      const due = next;
      timers = timers.filter((timer) => timer !== due);
      due.fn();
    }
  };
  return {
    now: () => now,
    advance(ms) {
      if (!(ms >= 0)) throw new CacheArgumentError('a fake clock only moves forward');
      now += ms;
      fire();
    },
    set(at) {
      now = at;
      fire();
    },
    schedule(ms, fn) {
      const timer = { at: now + Math.max(0, ms), fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((other) => other !== timer);
      };
    },
    get pending() {
      return timers.length;
    },
  };
}
