/** Shared inputs of every case: the value, the warm key set, and small async helpers. */

/** A value shaped like a team's metrics (about 230 bytes as JSON). The same object for every library. */
export const VALUE = {
  id: 12,
  name: 'Team 12',
  throughput: 41,
  cycleTimeHours: 30.5,
  leadTimeHours: 52.25,
  prTurnaroundHours: 6.75,
  deploymentsPerWeek: 9,
  members: ['alice', 'bob', 'carol'],
  computedAt: '2026-01-01T00:00:00.000Z',
};

/** The type of {@link VALUE}. */
export type Value = typeof VALUE;

/** TTL given to every library (1 h): nothing expires during a run. */
export const TTL_MS = 3_600_000;

/** Size of the warm key set (a power of two, so a cursor wraps with a mask). */
export const WARM_KEYS = 1_024;

/** Capacity of L1 in the tiered cases: far below the key set, so every read misses L1. */
export const TINY_L1 = 16;

/** `count` keys named `prefix0`, `prefix1`, … (valid keys for every library: no `:`). */
export function makeKeys(prefix: string, count = WARM_KEYS): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** Returns a function that hands out `items` in turn, forever. `items.length` must be a power of two. */
export function cycle<T>(items: readonly T[]): () => T {
  const mask = items.length - 1;
  if (items.length === 0 || (items.length & mask) !== 0) throw new RangeError('cycle needs a power-of-two length');
  let i = 0;
  return () => {
    i = (i + 1) & mask;
    return items[i]!;
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a bounded call ended as. */
export type Bounded<T> = { kind: 'ok'; value: T } | { kind: 'error'; error: unknown } | { kind: 'hung' };

/**
 * Runs `call` but never waits more than `ms` for it: the benchmark itself must never hang on a
 * library that does. A call past the bound is reported as `hung` (it may still settle later).
 */
export function bounded<T>(call: () => Promise<T>, ms: number): Promise<Bounded<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'hung' }), ms);
    let promise: Promise<T>;
    try {
      promise = call();
    } catch (error) {
      clearTimeout(timer);
      resolve({ kind: 'error', error });
      return;
    }
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'ok', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}

/** Like {@link bounded}, for setup and teardown: throws instead of reporting. */
export async function within<T>(what: string, ms: number, call: () => Promise<T>): Promise<T> {
  const result = await bounded(call, ms);
  if (result.kind === 'ok') return result.value;
  if (result.kind === 'hung') throw new Error(`${what} took longer than ${ms} ms`);
  throw new Error(`${what} failed: ${String((result.error as Error)?.message ?? result.error)}`, {
    cause: result.error,
  });
}
