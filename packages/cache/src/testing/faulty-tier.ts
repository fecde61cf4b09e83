/**
 * An asynchronous tier over any synchronous one, with injectable latency, failures and hangs,
 * and a count of calls per operation. For testing the cache's handling of remote tiers (deadline,
 * breaker, round trips) without a network; the real Redis and Postgres tiers have their own tests.
 */
import { RemoteTierRuntime } from '../core/remote-runtime.ts';
import type { AsyncTier, Entry, Ms, SyncTier, TierContext, TierSetItem, TierStats } from '../types.ts';

/** What the test can change while the tier runs. */
export interface FaultControls {
  /** Delay before each call answers (ms). */
  latency: Ms;
  /** `fail`: reject every call; `hang`: never answer; `ok`: behave. */
  mode: 'ok' | 'fail' | 'hang';
  /** Calls made, by operation name. */
  readonly calls: Record<string, number>;
}

/** Wraps `inner` (attach it through this tier) as an asynchronous, shared tier named `name`. */
export function faultyTier(inner: SyncTier, name = 'remote'): AsyncTier & { controls: FaultControls; inner: SyncTier } {
  const controls: FaultControls = { latency: 0, mode: 'ok', calls: {} };
  const run = <T>(op: string, fn: () => T): Promise<T> => {
    controls.calls[op] = (controls.calls[op] ?? 0) + 1;
    if (controls.mode === 'hang') return new Promise<T>(() => {});
    return new Promise<T>((resolve, reject) => {
      const answer = () => {
        if (controls.mode === 'fail') reject(new Error(`${name} is down`));
        else {
          try {
            resolve(fn());
          } catch (error) {
            reject(error);
          }
        }
      };
      if (controls.latency > 0) setTimeout(answer, controls.latency);
      else queueMicrotask(answer);
    });
  };
  return {
    name,
    sync: false,
    guard: RemoteTierRuntime,
    shared: true,
    ttl: inner.ttl,
    controls,
    inner,
    attach: (context: TierContext) => inner.attach?.(context),
    get: (key: string) => run('get', () => inner.get(key)),
    getMany: (keys: readonly string[]) => run('getMany', () => inner.getMany(keys)),
    set: (key: string, entry: Entry, ttl: Ms) => run('set', () => inner.set(key, entry, ttl)),
    setMany: (items: readonly TierSetItem[]) => run('setMany', () => inner.setMany(items)),
    delete: (key: string) => run('delete', () => inner.delete(key)),
    deleteMany: (keys: readonly string[]) => run('deleteMany', () => inner.deleteMany(keys)),
    clear: (prefix?: string) => run('clear', () => inner.clear(prefix)),
    keys: (prefix?: string) => run('keys', () => inner.keys(prefix)),
    prune: () => run('prune', () => inner.prune?.() ?? 0),
    stats: (): TierStats => inner.stats(),
  };
}
