/**
 * The cache's end of the invalidation bus: publishes what this instance changed, applies what
 * other instances changed to the local tiers, mends the shared tiers when a sender could not,
 * and tracks the bus's health (local copies are distrusted while it is down, dropped after a gap).
 */
import type { BusMessage, Ms } from '../types.ts';
import type { CacheState } from './state.ts';
import type { RemoteRuntime } from './tier-runtime.ts';

const noop = (): void => {};

/** See the file comment. */
export class BusLink {
  readonly #s: CacheState;
  readonly #subscribed: Promise<void>;
  #healthy = true;
  #gapSinceDown = true;

  constructor(state: CacheState) {
    this.#s = state;
    const bus = state.options.bus;
    this.#subscribed = bus
      ? bus
          .subscribe({
            onMessage: (message) => this.#receive(message),
            onGap: () => this.#gap(),
            onHealth: (healthy) => this.#setHealth(healthy),
          })
          .then(() => this.#setHealth(bus.healthy ?? true))
      : Promise.resolve();
    this.#subscribed.catch((error: unknown) => {
      state.stats.counters.bus.errors++;
      state.events.emit({ type: 'tier-error', tier: 'bus', op: 'subscribe', error });
    });
  }

  /** Whether the bus delivers invalidations now (always true without a bus). */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Resolves when the bus is subscribed (at once without one); rejects if subscribing failed. */
  async ready(): Promise<void> {
    await this.#subscribed;
    await this.#s.options.bus?.ready?.();
  }

  /** Sends `message` to the other instances; a failure is counted and reported, never thrown. */
  async publish(message: BusMessage): Promise<void> {
    const s = this.#s;
    const bus = s.options.bus;
    if (!bus) return;
    try {
      await bus.publish(message);
      s.stats.counters.bus.published++;
    } catch (error) {
      s.stats.counters.bus.errors++;
      s.events.emit({ type: 'tier-error', tier: 'bus', op: 'publish', error });
    }
  }

  /** Closes the bus (best effort). */
  close(): Promise<void> {
    return this.#s.options.bus?.close().catch(noop) ?? Promise.resolve();
  }

  /** A message from another instance: drop local copies (shared tiers were handled by the sender). */
  #receive(message: BusMessage): void {
    const s = this.#s;
    s.stats.counters.bus.received++;
    switch (message.type) {
      case 'delete':
      case 'set':
        s.dropKeys(message.keys, true);
        if (message.type === 'delete') {
          const at = message.at ?? s.stamp();
          // Stamp later loads after the remote invalidation, so its fence never refuses them.
          s.stampAfter(at);
          if (message.repair) this.#mend(message.keys, at);
        }
        break;
      case 'clear':
        s.dropPrefix(message.prefix, true);
        if (message.repair) {
          for (const rt of s.runtimes) {
            if (!rt.tier.sync) void (rt as RemoteRuntime).mendPrefix(s.options.adminDeadline, message.prefix);
          }
        }
        break;
      case 'tags':
        s.epoch++;
        s.inFlight.detachAll();
        s.options.tagStore.remember(message.tags, message.at);
        // Stamp later writes after the remote invalidation, whatever this machine's clock says.
        s.stampAfter(message.at);
        break;
      default: {
        const unknown: never = message;
        void unknown;
      }
    }
    if (s.events.active) s.events.emit({ type: 'bus-message', message: { type: message.type } });
  }

  /**
   * The sender of a delete could not apply it to the shared tiers (its breaker was open, a
   * deadline passed): the old values may still be there for everyone. Delete (fence) them from
   * here; until that has succeeded this instance does not read those keys from those tiers, so it
   * never re-installs a value older than the invalidation it has just seen.
   */
  #mend(keys: readonly string[], at: Ms): void {
    const { runtimes, options } = this.#s;
    for (const rt of runtimes)
      if (!rt.tier.sync) void (rt as RemoteRuntime).mend(keys, at, options.tierDeadline, options.fenceTtl);
  }

  /**
   * The bus stopped (or resumed) delivering. While it is down, local copies are served only
   * when younger than `busDownL1Ttl`, so a value changed elsewhere is served here for at most
   * that long after the bus is known to be down. Back up, the local tiers are dropped (the gap).
   */
  #setHealth(healthy: boolean): void {
    const s = this.#s;
    if (!s.options.bus || healthy === this.#healthy || s.closed) return;
    if (healthy && !this.#gapSinceDown) this.#gap();
    this.#healthy = healthy;
    s.distrust = !healthy;
    if (!healthy) {
      this.#gapSinceDown = false;
      s.stats.counters.bus.downs++;
    }
    s.events.emit({ type: 'bus-health', healthy });
  }

  /** Messages may have been lost: anything held locally may be stale, so drop it all. */
  #gap(): void {
    const s = this.#s;
    this.#gapSinceDown = true;
    s.stats.counters.bus.gaps++;
    s.dropPrefix('', true);
    s.options.tagStore.refresh?.().catch((error) => {
      s.events.emit({ type: 'tier-error', tier: 'tag-store', op: 'refresh', error });
    });
    s.events.emit({ type: 'bus-gap' });
  }
}
