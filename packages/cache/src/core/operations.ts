/**
 * Watched operations: while someone listens to `operation` events, or subscribes to the
 * diagnostics channel or the tracing channel, each public call is timed and reported per key
 * (family, tier that answered, outcome). Nobody watching: the call runs as it is.
 */
import type { CacheEvents, CacheOperationName, CacheOperationOutcome, OperationContext } from './events.ts';
import type { Families } from './families.ts';

/** How one key of an operation ended. */
export interface KeyOutcome {
  outcome: CacheOperationOutcome;
  tier: string | undefined;
}

/**
 * Runs `run`, then reports one outcome per key of `keys` with what `describe` says of the result
 * (`error` for every key when it rejects), and passes the result or error on. Within a tracing
 * channel subscription, the whole call is traced with the outcomes on its context.
 */
export function observe<T>(
  events: CacheEvents,
  families: Families | undefined,
  op: CacheOperationName,
  keys: readonly string[],
  run: () => Promise<T>,
  describe: (result: T, index: number) => KeyOutcome,
): Promise<T> {
  const started = performance.now();
  const context: OperationContext = {
    op,
    keys,
    families: families === undefined ? undefined : keys.map((key) => families.nameOf(key)),
    outcomes: [],
    ms: 0,
  };
  const report = (outcomeOf: (index: number) => KeyOutcome): void => {
    const ms = performance.now() - started;
    context.ms = ms;
    for (let i = 0; i < keys.length; i++) {
      const { outcome, tier } = outcomeOf(i);
      context.outcomes.push({ outcome, tier });
      const family = context.families?.[i];
      events.emit({ type: 'operation', op, key: keys[i]!, family, tier, outcome, ms });
    }
  };
  const traced = (): Promise<T> => {
    let running: Promise<T>;
    try {
      running = run();
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      (result) => {
        report((index) => describe(result, index));
        return result;
      },
      (error: unknown) => {
        report(() => ({ outcome: 'error', tier: undefined }));
        throw error;
      },
    );
  };
  return events.trace(traced, context);
}
