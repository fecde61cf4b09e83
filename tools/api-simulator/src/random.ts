/**
 * A small seeded PRNG (mulberry32) and the few draws the simulator needs. Everything random in
 * the simulator — data, jitter, fault fractions — comes from one of these, so a seed replays.
 */

/** A seeded source of numbers in [0, 1) with helpers for the draws the generator makes. */
export interface Random {
  /** The next number in [0, 1). */
  next(): number;
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `count` distinct elements of `items` (fewer if the list is shorter), in list order. */
  sample<T>(items: readonly T[], count: number): T[];
}

/** mulberry32: 32 bits of state, fast, good enough for test data (not for anything secret). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick() needs a non-empty list');
      return items[int(0, items.length - 1)]!;
    },
    sample: (items, count) => {
      const chosen = new Set<number>();
      const want = Math.min(count, items.length);
      while (chosen.size < want) chosen.add(int(0, items.length - 1));
      return [...chosen].sort((a, b) => a - b).map((i) => items[i]!);
    },
  };
}
