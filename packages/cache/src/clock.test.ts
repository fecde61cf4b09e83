import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from './clock.ts';

describe('systemClock.schedule', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('arms no timer for a delay longer than a timer can wait (setTimeout would fire it after 1 ms)', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    systemClock.schedule!(Number.POSITIVE_INFINITY, () => fired.push(1));
    systemClock.schedule!(MAX_TIMER_MS + 1, () => fired.push(2));
    expect(vi.getTimerCount()).toBe(0);
    const cancel = systemClock.schedule!(10, () => fired.push(3));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([3]);
    cancel();
  });
});
