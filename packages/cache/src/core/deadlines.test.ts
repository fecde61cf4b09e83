import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from './deadlines.ts';

describe('Deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires open calls in order and skips settled ones, with one timer for the queue', () => {
    const deadlines = new Deadlines();
    const expired: string[] = [];
    const a = deadlines.add(50, () => expired.push('a'));
    vi.advanceTimersByTime(10);
    const b = deadlines.add(50, () => expired.push('b'));
    const c = deadlines.add(50, () => expired.push('c'));
    expect(vi.getTimerCount()).toBe(1);
    expect(b.settle()).toBe(true);
    vi.advanceTimersByTime(40);
    expect(expired).toEqual(['a']);
    expect(a.settle()).toBe(false);
    vi.advanceTimersByTime(10);
    expect(expired).toEqual(['a', 'c']);
    expect(c.settle()).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps one queue per deadline length', () => {
    const deadlines = new Deadlines();
    const expired: number[] = [];
    deadlines.add(100, () => expired.push(100));
    deadlines.add(20, () => expired.push(20));
    vi.advanceTimersByTime(20);
    expect(expired).toEqual([20]);
    vi.advanceTimersByTime(80);
    expect(expired).toEqual([20, 100]);
  });

  it('never expires an infinite deadline (a timer would fire it after 1 ms)', () => {
    const deadlines = new Deadlines();
    let expired = false;
    const call = deadlines.add(Number.POSITIVE_INFINITY, () => {
      expired = true;
    });
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(expired).toBe(false);
    expect(call.settle()).toBe(true);
  });
});
