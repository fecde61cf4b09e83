/**
 * Everything the cache keeps per tier: counters and timing histograms. An asynchronous tier's
 * runtime adds the handling of remote failure (`remote-runtime.ts`); the tier brings that code
 * with it, so a build with synchronous tiers only leaves it out.
 */
import { CacheError, type CacheErrorCode } from '../errors.ts';
import type { Clock, Ms, Tier } from '../types.ts';
import { TierCounters } from './counters.ts';
import type { CacheEvents } from './events.ts';
import { Histogram, type HistogramSnapshot } from './histogram.ts';

/** The state of a tier's circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Operation names that get a timing histogram. */
export type TierOp = 'get' | 'getMany' | 'set' | 'setMany' | 'delete' | 'deleteMany' | 'clear' | 'keys' | 'prune';

export interface GuardSettings {
  readonly clock: Clock;
  readonly events: CacheEvents;
  readonly breakerFailures: number;
  readonly breakerCooldown: Ms;
  readonly maxPendingRepairs: number;
  /** Told which keys a failed call was about (for per-family error counts). */
  readonly keysFailed?: ((index: number, keys: readonly string[]) => void) | undefined;
}

const ENTRY_ERRORS: ReadonlySet<string> = new Set<CacheErrorCode>([
  'E_CACHE_ENTRY_TOO_LARGE',
  'E_CACHE_ENTRY_UNSERIALIZABLE',
  'E_CACHE_ENCRYPTION_KEY_MISSING',
  'E_CACHE_SENSITIVE_REFUSED',
]);

/** Whether an error is about one entry (refused) rather than about the tier (failing). */
export function isEntryError(error: unknown): boolean {
  return error instanceof CacheError && ENTRY_ERRORS.has(error.code);
}

/**
 * What the runtime of an asynchronous tier adds (`remote-runtime.ts`). The engine reaches it by
 * a cast where the tier is asynchronous: a synchronous tier's runtime has none of it.
 */
export interface RemoteCalls {
  /** Runs one tier call under the deadline and the breaker; never rejects (resolves `fallback`). */
  call<T>(
    op: TierOp,
    deadline: Ms,
    run: () => Promise<T>,
    fallback: T,
    repairKeys?: readonly string[],
    readKeys?: readonly string[],
  ): Promise<T>;
  /** Deletes `keys`, fenced at `at` where the tier can; resolves -1 when the tier did not take it. */
  remove(keys: readonly string[], at: Ms, deadline: Ms, fenceTtl: Ms): Promise<number>;
  /** Applies to this shared tier a delete another instance could not. */
  mend(keys: readonly string[], at: Ms, deadline: Ms, fenceTtl: Ms): Promise<void>;
  /** {@link mend} for a clear of `prefix`. */
  mendPrefix(deadline: Ms, prefix: string): Promise<void>;
  /** Clears `prefix` (everything when empty); resolves whether the tier took it (if not, it is repaired later). */
  clear(prefix: string, deadline: Ms): Promise<boolean>;
  /** Whether a read of `key` must skip this tier until a repair has run. */
  awaitsRepair(key: string): boolean;
}

/** The runtime of an asynchronous tier, as the engine sees it. */
export type RemoteRuntime = TierRuntime & RemoteCalls;

/** Per-tier state. Counters are plain fields so reading stats never scans anything. */
export class TierRuntime extends TierCounters {
  timeouts = 0;
  skipped = 0;
  writeRefusals = 0;
  /** Refresh writes refused because a newer invalidation fenced the key. */
  fencedWrites = 0;
  /** Invalidations another instance could not apply to this shared tier, applied from here. */
  mends = 0;
  repairs = 0;
  breaker: BreakerState = 'closed';
  /** Whether the tier lives in this process only (memory): bus invalidations are what keep it right. */
  readonly local: boolean;
  readonly timings = new Map<TierOp, Histogram>();

  constructor(
    readonly tier: Tier,
    readonly index: number,
    readonly settings: GuardSettings,
  ) {
    super();
    this.local = tier.sync && !tier.shared;
  }

  /** Records one operation's duration. */
  time(op: TierOp, ms: number): void {
    let histogram = this.timings.get(op);
    if (!histogram) {
      histogram = new Histogram();
      this.timings.set(op, histogram);
    }
    histogram.record(ms);
  }

  /** Whether failed writes wait for the tier to come back (never for a synchronous tier). */
  get pendingRepairs(): number {
    return 0;
  }

  /** Reads the timing histograms out. */
  timingSnapshot(): Partial<Record<TierOp, HistogramSnapshot>> {
    const out: Partial<Record<TierOp, HistogramSnapshot>> = {};
    for (const [op, histogram] of this.timings) out[op] = histogram.snapshot();
    return out;
  }
}
