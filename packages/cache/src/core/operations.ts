/**
 * Operation events for live monitors: one `operation` event per key of a public call, with the
 * key's family, the tier that answered, the outcome and the duration. The cache takes this path
 * only while someone listens, so an unwatched call pays one branch.
 */
import type { CacheEngine } from './engine.ts';
import type { CacheOperationName, CacheOperationOutcome } from './events.ts';

/** How one key of an operation ended. */
export interface KeyOutcome {
  outcome: CacheOperationOutcome;
  tier: string | undefined;
}

/**
 * Runs `run`, then emits one event per key of `keys` with what `describe` says of the result
 * (`error` for every key when it rejects), and passes the result or error on.
 */
export function observe<T>(
  engine: CacheEngine,
  op: CacheOperationName,
  keys: readonly string[],
  run: () => Promise<T>,
  describe: (result: T, index: number) => KeyOutcome,
): Promise<T> {
  const started = performance.now();
  const emit = (outcomeOf: (index: number) => KeyOutcome): void => {
    const ms = performance.now() - started;
    const families = engine.families;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const { outcome, tier } = outcomeOf(i);
      engine.events.emit({ type: 'operation', op, key, family: families?.nameOf(key), tier, outcome, ms });
    }
  };
  let running: Promise<T>;
  try {
    running = run();
  } catch (error) {
    running = Promise.reject(error);
  }
  return running.then(
    (result) => {
      emit((index) => describe(result, index));
      return result;
    },
    (error: unknown) => {
      emit(() => ({ outcome: 'error', tier: undefined }));
      throw error;
    },
  );
}
