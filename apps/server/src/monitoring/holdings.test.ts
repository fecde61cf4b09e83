/** The memory tier's holdings per family come from its entries' own sizes and add up to its total. */
import type { Ms } from '@agiletrack/cache';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import { describe, expect, it } from 'vitest';
import { memoryHoldings } from './holdings.ts';

const entry = (value: unknown) => {
  const now = Date.now() as Ms;
  return { value, createdAt: now, expiresAt: (now + 60_000) as Ms, staleUntil: (now + 60_000) as Ms };
};

describe('memory holdings', () => {
  it('are exact per family: each entry counts its own size, and the families add up to the tier', () => {
    const tier = memoryTier({ ttl: 60_000 as Ms, maxBytes: 10_000_000 });
    tier.set('teams', entry([{ id: 1, name: 'a' }]), 60_000 as Ms);
    tier.set('team_1_metrics', entry({ rollup: 'x'.repeat(20_000) }), 60_000 as Ms);
    tier.set('team_2_metrics', entry({ rollup: 'y'.repeat(40_000) }), 60_000 as Ms);
    tier.set('team_1', entry({ id: 1 }), 60_000 as Ms);
    const held = memoryHoldings(tier);
    expect(held.team_metrics!.entries).toBe(2);
    expect(held.team_metrics!.estimated).toBe(false);
    // Not shared out by count: the metrics entries hold almost everything.
    expect(held.team_metrics!.bytes!).toBeGreaterThan(0.95 * tier.stats().bytes!);
    const sum = Object.values(held).reduce((total, row) => total + row!.bytes!, 0);
    expect(sum).toBe(tier.stats().bytes);
    expect(Object.values(held).reduce((total, row) => total + row!.entries, 0)).toBe(tier.stats().entries);
  });
});
