/**
 * Typed cache events, delivered to `cache.on(type, listener)` and published on a diagnostics
 * channel (Node only; `cache` unless the cache's `diagnosticsChannel` option names another), and
 * public operations traced on a `diagnostics_channel.tracingChannel` (`cache.operation`, or the
 * option's name + `.operation`). Emitting costs one branch when nobody listens.
 */

/** The public operation an `operation` event reports. */
export type CacheOperationName = 'get' | 'getMany' | 'getOrSet' | 'getOrSetMany' | 'set' | 'setMany' | 'delete';

/**
 * How an operation ended: `hit` fresh from a tier, `stale` served past freshness, `miss` nothing
 * fresh (for `getOrSet`: computed now, tier `origin`), `bypass` forced refresh, `write`,
 * `delete`, `error` (the call rejected).
 */
export const CACHE_OPERATION_OUTCOMES = ['hit', 'stale', 'miss', 'bypass', 'write', 'delete', 'error'] as const;

/** One of {@link CACHE_OPERATION_OUTCOMES}. */
export type CacheOperationOutcome = (typeof CACHE_OPERATION_OUTCOMES)[number];

/**
 * One public operation on one key, for live monitors. Emitted only while someone listens to
 * `operation` (or the diagnostics channel): otherwise nothing is timed or built. Batch
 * operations emit one event per key, each with the duration of the whole batch.
 */
export interface CacheOperationEvent {
  type: 'operation';
  op: CacheOperationName;
  key: string;
  /** The key's family (the cache's `family` option), or `undefined` without one. */
  family: string | undefined;
  /** The tier that answered (`origin` when a factory did), or `undefined` for misses and writes. */
  tier: string | undefined;
  outcome: CacheOperationOutcome;
  /** Milliseconds from the call to its answer. */
  ms: number;
}

/** Every event the cache emits, discriminated by `type`. Keys are full (namespaced) keys. */
export type CacheEvent =
  | CacheOperationEvent
  | { type: 'hit'; key: string; tier: string; stale: boolean }
  | { type: 'miss'; key: string }
  | { type: 'set'; key: string }
  | { type: 'delete'; keys: readonly string[] }
  | { type: 'clear'; prefix: string }
  | { type: 'invalidate-tags'; tags: readonly string[] }
  | { type: 'factory-call'; key: string }
  | { type: 'factory-error'; key: string; error: unknown }
  | { type: 'grace-serve'; key: string }
  | { type: 'write-refused'; key: string; tier: string; error: unknown }
  | { type: 'tier-error'; tier: string; op: string; error: unknown }
  | { type: 'breaker'; tier: string; state: 'open' | 'half-open' | 'closed' }
  /** Keys (and prefixes) whose write failed were deleted from the tier once it answered again. */
  | { type: 'repair'; tier: string; keys: number; cleared: boolean }
  | { type: 'bus-message'; message: { type: string } }
  | { type: 'bus-gap' }
  /** The bus stopped or resumed delivering invalidations (see the `busDownL1Ttl` option). */
  | { type: 'bus-health'; healthy: boolean };

/** The name of each event. */
export type CacheEventType = CacheEvent['type'];

/** The event with a given name. */
export type CacheEventOf<T extends CacheEventType> = Extract<CacheEvent, { type: T }>;

/** The diagnostics channel events are published on when the cache's options name none. */
export const DIAGNOSTICS_CHANNEL = 'cache';

/**
 * The tracing channel public operations are traced on when the cache's options name no
 * diagnostics channel (else that name + `.operation`): subscribe with
 * `diagnostics_channel.tracingChannel(TRACING_CHANNEL).subscribe({ start, asyncEnd, error })`.
 */
export const TRACING_CHANNEL = `${DIAGNOSTICS_CHANNEL}.operation`;

/**
 * The context of one traced operation: what `start` sees (`op`, `keys`, `families`), and what
 * `asyncEnd` and `error` see besides (`outcomes`, one per key in order, `ms`; `result` or `error`
 * set by the tracing channel). Keys are full (namespaced) keys.
 */
export interface OperationContext {
  readonly op: CacheOperationName;
  readonly keys: readonly string[];
  /** Each key's family, in order; `undefined` without the `family` option. */
  readonly families: readonly string[] | undefined;
  readonly outcomes: { outcome: CacheOperationOutcome; tier: string | undefined }[];
  ms: number;
  result?: unknown;
  error?: unknown;
}

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

interface TracingChannel {
  readonly hasSubscribers: boolean;
  tracePromise<T>(fn: () => Promise<T>, context: object): Promise<T>;
}

interface DiagnosticsChannels {
  channel(name: string): Channel;
  tracingChannel?(name: string): TracingChannel;
}

// Reached without an import so the library bundles for browsers, where the channels are absent.
function diagnostics(): DiagnosticsChannels | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:diagnostics_channel') as DiagnosticsChannels | undefined;
}

/** A small typed emitter. `active` lets hot paths skip building events nobody will see. */
export class CacheEvents {
  readonly #listeners = new Map<CacheEventType, Set<(event: CacheEvent) => void>>();
  readonly #channel: Channel | undefined;
  readonly #tracing: TracingChannel | undefined;
  #listenerCount = 0;
  #operationListeners = 0;
  #readListeners = 0;

  /** Whether anyone wants operations reported (checked before timing a call). */
  get watching(): boolean {
    return (
      this.#operationListeners > 0 || this.#channel?.hasSubscribers === true || this.#tracing?.hasSubscribers === true
    );
  }

  /** `channel`: the diagnostics channel name; `false` publishes and traces on none. */
  constructor(channel: string | false = DIAGNOSTICS_CHANNEL) {
    const dc = channel === false ? undefined : diagnostics();
    this.#channel = dc?.channel(channel as string);
    this.#tracing = dc?.tracingChannel?.(`${channel}.operation`);
  }

  /** Runs `fn` traced on the tracing channel with `context` when it has subscribers. */
  trace<T>(fn: () => Promise<T>, context: OperationContext): Promise<T> {
    const tracing = this.#tracing;
    return tracing?.hasSubscribers ? tracing.tracePromise(fn, context) : fn();
  }

  /**
   * Whether anyone wants `hit` and `miss` events (checked on every read, so a listener of other
   * events, e.g. `tier-error`, costs reads nothing).
   */
  get reading(): boolean {
    return this.#readListeners > 0 || this.#channel?.hasSubscribers === true;
  }

  /** Whether anyone listens (a listener or a diagnostics channel subscriber). */
  get active(): boolean {
    return this.#listenerCount > 0 || this.#channel?.hasSubscribers === true;
  }

  /** Adds a listener; returns the function that removes it. */
  on<T extends CacheEventType>(type: T, listener: (event: CacheEventOf<T>) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    const wrapped = listener as (event: CacheEvent) => void;
    set.add(wrapped);
    this.#listenerCount++;
    const read = type === 'hit' || type === 'miss';
    if (type === 'operation') this.#operationListeners++;
    if (read) this.#readListeners++;
    return () => {
      if (!set.delete(wrapped)) return;
      this.#listenerCount--;
      if (type === 'operation') this.#operationListeners--;
      if (read) this.#readListeners--;
    };
  }

  /** Delivers an event. A throwing listener does not break the cache operation. */
  emit(event: CacheEvent): void {
    const set = this.#listeners.get(event.type);
    if (set) {
      for (const listener of set) {
        try {
          listener(event);
        } catch {
          // A listener's bug must not fail the read or write that emitted the event.
        }
      }
    }
    if (this.#channel?.hasSubscribers) this.#channel.publish(event);
  }
}
