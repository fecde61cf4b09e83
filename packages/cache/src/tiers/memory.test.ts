import { describe, expect, it } from 'vitest';
import { CacheEntryTooLargeError, CacheOptionsError } from '../errors.ts';
import { attachForTest, runTierConformance } from '../testing/index.ts';
import { type MemoryTier, memoryTier } from './memory.ts';

runTierConformance('memory', { create: () => attachForTest(memoryTier()) });

runTierConformance('memory (serialize)', {
  create: () => attachForTest(memoryTier({ serialize: true })),
  corrupt: (setup, key, raw) => (setup.tier as MemoryTier).pokeRaw(key, raw),
});

const entry = (value: unknown, now = Date.UTC(2026, 0, 1)) => ({
  value,
  createdAt: now,
  expiresAt: now + 60_000,
  staleUntil: now + 60_000,
});

describe('memory tier', () => {
  it('returns the stored object itself, frozen, without copying', () => {
    const { tier } = attachForTest(memoryTier());
    const value = { nested: { list: [1, 2] } };
    tier.set('k', entry(value), 60_000);
    const got = tier.get('k')?.value as typeof value;
    expect(got).toBe(value);
    expect(Object.isFrozen(got.nested.list)).toBe(true);
    expect(() => {
      (got.nested.list as number[]).push(3);
    }).toThrow(TypeError);
  });

  it('returns a fresh copy on every read when serializing', () => {
    const { tier } = attachForTest(memoryTier({ serialize: true }));
    tier.set('k', entry({ a: 1 }), 60_000);
    expect(tier.get('k')?.value).not.toBe(tier.get('k')?.value);
  });

  it('evicts the least recently used entry past maxEntries and counts it', () => {
    const { tier } = attachForTest(memoryTier({ maxEntries: 3 }));
    for (const key of ['a', 'b', 'c']) tier.set(key, entry(key), 60_000);
    tier.get('a');
    tier.set('d', entry('d'), 60_000);
    expect(tier.get('b')).toBeUndefined();
    expect(tier.keys().sort()).toEqual(['a', 'c', 'd']);
    expect(tier.stats().evictions).toBe(1);
  });

  it('stays within maxBytes by evicting', () => {
    const { tier } = attachForTest(memoryTier({ maxBytes: 10_000, maxEntrySize: 5_000 }));
    for (let i = 0; i < 50; i++) tier.set(`k${i}`, entry('x'.repeat(1_000)), 60_000);
    const stats = tier.stats();
    expect(stats.bytes).toBeLessThanOrEqual(10_000);
    expect(stats.entries).toBeLessThan(50);
    expect(stats.evictions).toBe(50 - stats.entries);
  });

  it('refuses an entry above maxEntrySize with a coded error', () => {
    const { tier } = attachForTest(memoryTier({ maxBytes: 10_000, maxEntrySize: 1_000 }));
    expect(() => tier.set('big', entry('x'.repeat(2_000)), 60_000)).toThrow(CacheEntryTooLargeError);
    try {
      tier.set('big', entry('x'.repeat(2_000)), 60_000);
    } catch (error) {
      expect((error as CacheEntryTooLargeError).code).toBe('E_CACHE_ENTRY_TOO_LARGE');
    }
    expect(tier.get('big')).toBeUndefined();
  });

  it('validates its options up front', () => {
    expect(() => memoryTier({ maxEntries: 0 })).toThrow(CacheOptionsError);
    expect(() => memoryTier({ ttl: -5 })).toThrow(/ttl must be an integer/);
    expect(() => memoryTier({ maxBytes: 100, maxEntrySize: 200 })).toThrow(/maxEntrySize/);
  });
});
