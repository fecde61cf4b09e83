/**
 * The tag store conformance suite: what every shared tag store must do, run with Vitest against
 * each backend exactly as `runTierConformance` runs tiers.
 *
 *   runTagStoreConformance('redis', { create: async () => ({ stores: [redisTagStore(…), redisTagStore(…)] }) });
 *
 * `create` returns two stores of two instances sharing one place nobody else uses, initialized.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TagStore } from '../types.ts';

/** What `create` returns. */
export interface TagStoreSetup {
  /** Two stores over one shared record, as two instances would hold them. */
  stores: readonly [TagStore, TagStore];
  /** Closes connections and removes what the stores wrote. */
  cleanup?: () => unknown;
}

/** How to make tag stores. */
export interface TagStoreConformanceOptions {
  create: () => TagStoreSetup | Promise<TagStoreSetup>;
}

/** Registers the conformance cases for one tag store under `describe(name)`. */
export function runTagStoreConformance(name: string, options: TagStoreConformanceOptions): void {
  describe(`${name} tag store conformance`, () => {
    let open: TagStoreSetup[] = [];
    async function make() {
      const setup = await options.create();
      open.push(setup);
      return setup.stores;
    }
    afterEach(async () => {
      for (const setup of open) await setup.cleanup?.();
      open = [];
    });

    it('knows its own invalidation at once, before anything is persisted', async () => {
      const [a] = await make();
      expect(a.invalidatedAt('team:1')).toBeUndefined();
      const persisted = a.invalidate(['team:1'], 1_000.5);
      expect(a.invalidatedAt('team:1')).toBe(1_000.5);
      await persisted;
    });

    it('shares invalidations: the other instance reads them on refresh', async () => {
      const [a, b] = await make();
      await a.invalidate(['team:1', 'table:teams'], 2_000);
      expect(b.invalidatedAt('team:1')).toBeUndefined();
      await b.refresh?.();
      expect(b.invalidatedAt('team:1')).toBe(2_000);
      expect(b.invalidatedAt('table:teams')).toBe(2_000);
    });

    it('keeps the later stamp of a tag, whichever instance wrote last', async () => {
      const [a, b] = await make();
      await a.invalidate(['team:1'], 3_000);
      await b.invalidate(['team:1'], 2_500);
      await a.refresh?.();
      await b.refresh?.();
      expect(a.invalidatedAt('team:1')).toBe(3_000);
      expect(b.invalidatedAt('team:1')).toBe(3_000);
    });

    it('remembers what the bus reported without persisting it', async () => {
      const [a, b] = await make();
      a.remember(['team:2'], 4_000);
      expect(a.invalidatedAt('team:2')).toBe(4_000);
      await b.refresh?.();
      expect(b.invalidatedAt('team:2')).toBeUndefined();
    });

    it('prunes stamps older than a time, here and in the shared record', async () => {
      const [a, b] = await make();
      if (!a.prune) return;
      await a.invalidate(['old'], 100);
      await a.invalidate(['new'], 10_000);
      expect(await a.prune(5_000)).toBeGreaterThanOrEqual(1);
      expect(a.invalidatedAt('old')).toBeUndefined();
      expect(a.invalidatedAt('new')).toBe(10_000);
      await b.refresh?.();
      expect(b.invalidatedAt('old')).toBeUndefined();
      expect(b.invalidatedAt('new')).toBe(10_000);
    });
  });
}
