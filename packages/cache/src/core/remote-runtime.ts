/**
 * The runtime of an asynchronous tier: the one place remote failure is handled — a deadline on
 * every call (on the cache's clock), a circuit breaker, and the list of writes that failed,
 * repaired when the tier comes back. A remote tier brings it as its `guard`, so the engine never
 * imports this file and browser builds with synchronous tiers only leave it out.
 */
import { schedule } from '../clock.ts';
import { CacheTierTimeoutError } from '../errors.ts';
import type { AsyncTier, Ms } from '../types.ts';
import { type BreakerState, isEntryError, type RemoteCalls, type TierOp, TierRuntime } from './tier-runtime.ts';

const now = (): number => performance.now();

/** See the file comment. */
export class RemoteTierRuntime extends TierRuntime implements RemoteCalls {
  #failures = 0;
  #openUntil = 0;
  #probing = false;
  // Key → the failure's sequence number: a repair forgets a key only if it did not fail again meanwhile.
  readonly #pendingKeys = new Map<string, number>();
  #failureSeq = 0;
  readonly #pendingPrefixes = new Set<string>();
  #lostTrack = false;
  #repairing = false;

  /**
   * Runs one asynchronous tier call under the deadline and the breaker. Never rejects: on
   * error, timeout or open breaker it resolves `fallback` and counts why.
   */
  call<T>(
    op: TierOp,
    deadline: Ms,
    run: () => Promise<T>,
    fallback: T,
    repairKeys?: readonly string[],
    readKeys?: readonly string[],
  ): Promise<T> {
    if (!this.#admit()) {
      this.skipped++;
      this.#remember(repairKeys);
      return Promise.resolve(fallback);
    }
    const started = now();
    // One promise and one timer per call, settled by whichever comes first: this runs on every
    // remote read, so no Promise.race and no extra async frames.
    return new Promise<T>((resolve) => {
      let settled = false;
      const expire = (): void => {
        if (settled) return;
        settled = true;
        const error = new CacheTierTimeoutError(this.tier.name, op, deadline);
        resolve(this.#fail(op, started, error, fallback, repairKeys, readKeys));
      };
      // On the cache's clock, so tests move deadlines by hand.
      const cancel = schedule(this.settings.clock, deadline, expire);
      let work: Promise<T>;
      try {
        work = run();
      } catch (error) {
        work = Promise.reject(error);
      }
      work.then(
        (result) => {
          if (settled) return;
          settled = true;
          cancel();
          this.time(op, now() - started);
          this.#succeeded(op, repairKeys);
          resolve(result);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          cancel();
          resolve(this.#fail(op, started, error, fallback, repairKeys, readKeys));
        },
      );
    });
  }

  /** Counts a failed (or refused) call and answers its fallback. */
  #fail<T>(
    op: TierOp,
    started: number,
    error: unknown,
    fallback: T,
    repairKeys: readonly string[] | undefined,
    readKeys: readonly string[] | undefined,
  ): T {
    this.time(op, now() - started);
    this.#remember(repairKeys);
    if (isEntryError(error)) {
      // The entry was refused (too large, unserializable): the tier itself is healthy.
      this.writeRefusals++;
      this.settings.events.emit({ type: 'write-refused', key: repairKeys?.[0] ?? '', tier: this.tier.name, error });
      return fallback;
    }
    this.#failed(op, error);
    const keys = repairKeys ?? readKeys;
    if (keys !== undefined) this.settings.keysFailed?.(this.index, keys);
    return fallback;
  }

  /**
   * Applies to this shared tier a delete (or fence) that another instance could not: `keys` are
   * unreadable here from now until `run` has succeeded, and if it fails they stay so until the
   * repair has removed them. So this instance never takes from here a value the invalidation made
   * old, whatever the other instance's tier did. Never rejects.
   */
  async mend(keys: readonly string[], at: Ms, deadline: Ms, fenceTtl: Ms): Promise<void> {
    this.mends++;
    this.#remember(keys);
    // Success forgets the keys (a write or delete that replaced them), failure keeps them pending.
    await this.remove(keys, at, deadline, fenceTtl);
  }

  /** Deletes `keys` from this shared tier: fenced at `at` where the tier can, so older refreshes lose. */
  remove(keys: readonly string[], at: Ms, deadline: Ms, fenceTtl: Ms): Promise<number> {
    const tier = this.tier as AsyncTier;
    const run = tier.fence
      ? () => tier.fence!(keys, at, fenceTtl).then(() => keys.length)
      : () => tier.deleteMany(keys);
    return this.call('deleteMany', deadline, run, -1, keys);
  }

  /** Clears `prefix`; a clear the tier did not take is remembered and repaired on recovery. */
  clear(prefix: string, deadline: Ms): Promise<boolean> {
    const tier = this.tier as AsyncTier;
    return this.call('clear', deadline, () => tier.clear(prefix || undefined), -1).then((cleared) => {
      if (cleared === -1) this.#rememberPrefix(prefix);
      return cleared !== -1;
    });
  }

  /** {@link mend} for a clear of `prefix` (everything when empty). */
  async mendPrefix(deadline: Ms, prefix: string): Promise<void> {
    this.mends++;
    this.#rememberPrefix(prefix);
    const tier = this.tier;
    await this.call(
      'clear',
      deadline,
      async () => {
        const cleared = await tier.clear(prefix || undefined);
        this.#pendingPrefixes.delete(prefix);
        return cleared;
      },
      -1,
    );
  }

  /** Remembers a prefix whose clear failed, to clear it again on recovery. */
  #rememberPrefix(prefix: string): void {
    if (this.#pendingPrefixes.size >= this.settings.maxPendingRepairs) this.#lostTrack = true;
    else this.#pendingPrefixes.add(prefix);
  }

  /** Whether writes that failed are waiting for the tier to come back. */
  override get pendingRepairs(): number {
    return this.#pendingKeys.size + this.#pendingPrefixes.size + (this.#lostTrack ? 1 : 0);
  }

  /**
   * Whether this tier may still hold a value that a failed write or delete of `key` should have
   * replaced: until the repair has removed it, a read must not take it from here.
   */
  awaitsRepair(key: string): boolean {
    if (this.#lostTrack || this.#pendingKeys.has(key)) return true;
    for (const prefix of this.#pendingPrefixes) if (key.startsWith(prefix)) return true;
    return false;
  }

  #admit(): boolean {
    if (this.breaker === 'closed') return true;
    if (this.breaker === 'open') {
      if (this.settings.clock.now() < this.#openUntil) return false;
      this.#setBreaker('half-open');
    }
    // Half-open: exactly one probe at a time; everything else keeps being skipped.
    if (this.#probing) return false;
    this.#probing = true;
    return true;
  }

  #succeeded(op: TierOp, keys: readonly string[] | undefined): void {
    this.#failures = 0;
    if (this.breaker === 'half-open') {
      this.#probing = false;
      this.#setBreaker('closed');
    }
    if (keys !== undefined && this.#pendingKeys.size > 0 && op !== 'clear') {
      // This write or delete replaced whatever an earlier failed one left: nothing to repair there.
      for (const key of keys) this.#pendingKeys.delete(key);
    }
    // The tier answers again: repair now, whether or not the failures were enough to open the breaker.
    if (!this.#repairing && this.pendingRepairs > 0) void this.#repair();
  }

  #failed(op: TierOp, error: unknown): void {
    this.errors++;
    if (error instanceof CacheTierTimeoutError) this.timeouts++;
    this.settings.events.emit({ type: 'tier-error', tier: this.tier.name, op, error });
    this.#failures++;
    if (this.breaker === 'half-open' || this.#failures >= this.settings.breakerFailures) {
      this.#probing = false;
      this.#openUntil = this.settings.clock.now() + this.settings.breakerCooldown;
      this.#setBreaker('open');
    }
  }

  #setBreaker(state: BreakerState): void {
    if (this.breaker === state) return;
    this.breaker = state;
    this.settings.events.emit({ type: 'breaker', tier: this.tier.name, state });
  }

  #remember(keys: readonly string[] | undefined): void {
    if (!keys) return;
    for (const key of keys) {
      if (this.#pendingKeys.size >= this.settings.maxPendingRepairs) {
        this.#lostTrack = true;
        return;
      }
      this.#pendingKeys.set(key, ++this.#failureSeq);
    }
  }

  // A write or delete that failed may have left an old value behind in this tier (or may still
  // land late): delete those keys once the tier answers again, so it cannot serve them.
  async #repair(): Promise<void> {
    if (this.tier.sync) return;
    const tier = this.tier;
    this.#repairing = true;
    try {
      // Keys stay pending (unreadable here) until their repair has succeeded.
      if (this.#lostTrack) {
        const seq = this.#failureSeq;
        await tier.clear();
        this.#lostTrack = false;
        for (const [key, at] of this.#pendingKeys) if (at <= seq) this.#pendingKeys.delete(key);
        this.#pendingPrefixes.clear();
        this.repairs++;
        this.settings.events.emit({ type: 'repair', tier: tier.name, keys: 0, cleared: true });
        return;
      }
      const seq = this.#failureSeq;
      const keys = [...this.#pendingKeys.keys()];
      if (keys.length > 0) await tier.deleteMany(keys);
      for (const key of keys) if (this.#pendingKeys.get(key)! <= seq) this.#pendingKeys.delete(key);
      const prefixes = [...this.#pendingPrefixes];
      for (const prefix of prefixes) await tier.clear(prefix);
      for (const prefix of prefixes) this.#pendingPrefixes.delete(prefix);
      this.repairs += keys.length + prefixes.length;
      this.settings.events.emit({
        type: 'repair',
        tier: tier.name,
        keys: keys.length + prefixes.length,
        cleared: false,
      });
    } catch (error) {
      // The repair itself failed: we no longer know which keys are stale, so clear on next recovery.
      this.#lostTrack = true;
      this.#failed('deleteMany', error);
    } finally {
      this.#repairing = false;
    }
  }
}
