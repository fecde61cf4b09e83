/**
 * The lock conformance suite: what every distributed lock must do, run with Vitest against each
 * backend exactly as `runTierConformance` runs tiers.
 *
 *   runLockConformance('redis', { create: async () => ({ locks: [redisLock(…), redisLock(…)] }) });
 *
 * `create` returns two locks of two processes sharing one namespace nobody else uses. Cases wait
 * for releases and expiry through `waitForRelease`, never sleep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DistributedLock } from '../types.ts';

/** What `create` returns. */
export interface LockSetup {
  /** Two locks over one namespace, as two processes would hold them. */
  locks: readonly [DistributedLock, DistributedLock];
  /** Removes what the locks left behind (closing them is the suite's job). */
  cleanup?: () => unknown;
}

/** How to make locks. */
export interface LockConformanceOptions {
  create: () => LockSetup | Promise<LockSetup>;
}

/** Registers the conformance cases for one lock under `describe(name)`. */
export function runLockConformance(name: string, options: LockConformanceOptions): void {
  describe(`${name} lock conformance`, () => {
    let open: LockSetup[] = [];
    async function make() {
      const setup = await options.create();
      open.push(setup);
      return setup.locks;
    }
    afterEach(async () => {
      for (const setup of open) {
        for (const lock of setup.locks) await lock.close?.();
        await setup.cleanup?.();
      }
      open = [];
    });

    it('gives a key to exactly one of two processes asking at once', async () => {
      const [a, b] = await make();
      const results = await Promise.all([a.acquire('k', 10_000), b.acquire('k', 10_000)]);
      expect(results.filter((release) => release !== undefined)).toHaveLength(1);
      await results.find((release) => release !== undefined)!();
    });

    it('locks keys independently', async () => {
      const [a, b] = await make();
      const one = await a.acquire('one', 10_000);
      const two = await b.acquire('two', 10_000);
      expect(one).toBeTypeOf('function');
      expect(two).toBeTypeOf('function');
      await one!();
      await two!();
    });

    it('wakes a waiter when the holder releases, and lets it take the key', async () => {
      const [a, b] = await make();
      const release = await a.acquire('k', 10_000);
      const waiting = b.waitForRelease('k', 10_000);
      await release!();
      expect(await waiting).toBe(true);
      const taken = await b.acquire('k', 10_000);
      expect(taken).toBeTypeOf('function');
      await taken!();
    });

    it('frees a key whose holder never releases once its ttl has passed', async () => {
      const [a, b] = await make();
      expect(await a.acquire('k', 200)).toBeTypeOf('function');
      expect(await b.waitForRelease('k', 10_000)).toBe(true);
      const taken = await b.acquire('k', 10_000);
      expect(taken).toBeTypeOf('function');
      await taken!();
    });

    it('gives up waiting after the timeout while the holder keeps the key', async () => {
      const [a, b] = await make();
      const release = await a.acquire('k', 60_000);
      expect(await b.waitForRelease('k', 100)).toBe(false);
      await release!();
    });

    it('does not release a key another holder has taken since', async () => {
      const [a, b] = await make();
      const stale = await a.acquire('k', 200);
      expect(await b.waitForRelease('k', 10_000)).toBe(true);
      const current = await b.acquire('k', 10_000);
      await stale!();
      expect(await a.acquire('k', 10_000)).toBeUndefined();
      await current!();
    });
  });
}
