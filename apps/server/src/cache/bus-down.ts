/**
 * Writes never wait on a Redis the bus already knows is unreachable. While the bus is down:
 * - a bus message is handed over without waiting (it would time out anyway; when the bus comes
 *   back, every instance handles the gap by dropping its local copies, which covers it);
 * - a tag invalidation is recorded locally at once and persisted to the shared tag store in the
 *   background, retried until Redis takes it (other instances reload the stamps after the gap);
 *   so is one that Redis does not take within `TAG_WRITE_DEADLINE_MS` before the bus noticed;
 * - the cross-process lock is skipped, and so is waiting for another process's (single-flight
 *   within the process remains).
 * While the bus is healthy, every call goes through and is awaited as usual.
 */
import type { DistributedLock, InvalidationBus, TagStore } from '@agiletrack/cache/contracts';
import type { Logger } from 'pino';

/**
 * Whether Redis is worth waiting for: the bus says it is connected, and no call of ours missed
 * its deadline since the last one that succeeded (the bus's own heartbeat takes longer to notice
 * a freeze, and one request makes several calls).
 */
export class RedisHealth {
  #late = false;

  constructor(readonly busHealthy: () => boolean) {}

  /** True when calls should be awaited. */
  healthy(): boolean {
    return this.busHealthy() && !this.#late;
  }

  /** A call missed its deadline or failed. */
  late(): void {
    this.#late = true;
  }

  /** A call succeeded. */
  ok(): void {
    this.#late = false;
  }
}

const RETRY_FIRST_MS = 100;
/** How long a write waits for the shared tag store before leaving the stamp to the retries. */
const TAG_WRITE_DEADLINE_MS = 150;
const RETRY_MAX_MS = 2_000;

/** The bus, publishing without waiting while it is down. */
export function patientBus(bus: InvalidationBus, health: RedisHealth): InvalidationBus {
  return new Proxy(bus, {
    get(target, property) {
      if (property === 'publish') {
        return (message: Parameters<InvalidationBus['publish']>[0]) => {
          const waited = health.healthy();
          const sent = target.publish(message).then(
            () => health.ok(),
            (error: unknown) => {
              health.late();
              if (waited) throw error;
            },
          );
          return waited ? sent : Promise.resolve();
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The tag store, persisting in the background while the bus is down; `close()` stops the retries. */
export function patientTagStore(
  store: TagStore,
  health: RedisHealth,
  logger: Logger,
): { store: TagStore; close(): void } {
  const pending = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = RETRY_FIRST_MS;
  let closed = false;
  const flush = async () => {
    timer = undefined;
    if (closed || pending.size === 0) return;
    // One call per stamp value keeps each tag's largest stamp (the store keeps the max anyway).
    const byStamp = new Map<number, string[]>();
    for (const [tag, at] of pending) byStamp.set(at, [...(byStamp.get(at) ?? []), tag]);
    try {
      for (const [at, tags] of byStamp) {
        await store.invalidate(tags, at);
        for (const tag of tags) if (pending.get(tag) === at) pending.delete(tag);
      }
      delay = RETRY_FIRST_MS;
      logger.info('tag invalidations made while Redis was unreachable are stored now');
    } catch {
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
    schedule();
  };
  const schedule = () => {
    if (closed || timer || pending.size === 0) return;
    timer = setTimeout(() => void flush(), delay);
    timer.unref();
  };
  const wrapped: TagStore = {
    invalidatedAt: (tag) => store.invalidatedAt(tag),
    remember: (tags, at) => store.remember(tags, at),
    async invalidate(tags, at) {
      store.remember(tags, at);
      if (health.healthy() && pending.size === 0) {
        // Healthy as far as we know: wait a little, then hand it to the background retries.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const stored = Promise.resolve(store.invalidate(tags, at)).then(
          () => true,
          () => false,
        );
        const late = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), TAG_WRITE_DEADLINE_MS);
        });
        const done = await Promise.race([stored, late]).finally(() => clearTimeout(timer));
        if (done) return;
        health.late();
      }
      for (const tag of tags) pending.set(tag, Math.max(pending.get(tag) ?? 0, at));
      schedule();
    },
    ...(store.refresh && { refresh: () => store.refresh!() }),
    ...(store.prune && { prune: (before: number) => store.prune!(before) }),
  };
  return {
    store: wrapped,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/**
 * The lock, skipped while the bus is down: each miss would otherwise wait out its deadline. A wait
 * for another holder ends at once then (the load runs without the lock); otherwise the lock's own
 * per-check deadline ends it as soon as Redis stops answering.
 */
export function patientLock(lock: DistributedLock, health: RedisHealth): DistributedLock {
  return {
    acquire: (key, ttl) => (health.healthy() ? lock.acquire(key, ttl) : Promise.resolve(async () => {})),
    waitForRelease: (key, timeout) => (health.healthy() ? lock.waitForRelease(key, timeout) : Promise.resolve(false)),
    close: async () => {
      await lock.close?.();
    },
  };
}
