/**
 * The bus conformance suite: what every invalidation bus must do, run with Vitest against each
 * backend (Redis, Redis Cluster, PostgreSQL, PGlite) exactly as `runTierConformance` runs tiers.
 *
 *   runBusConformance('redis', { create: async () => ({ buses: [redisBus(…), redisBus(…)] }) });
 *
 * `create` returns two buses of two instances sharing one channel nobody else uses; the suite
 * subscribes, publishes and closes them. Cases wait for deliveries, never sleep.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CacheArgumentError, CacheClosedError } from '../errors.ts';
import type { BusMessage, InvalidationBus } from '../types.ts';

/** What `create` returns. */
export interface BusSetup {
  /** Two buses on one channel, as two instances would hold them; not yet subscribed. */
  buses: readonly [InvalidationBus, InvalidationBus];
  /** Removes what the buses left behind (closing them is the suite's job). */
  cleanup?: () => unknown;
}

/** How to make buses. */
export interface BusConformanceOptions {
  create: () => BusSetup | Promise<BusSetup>;
  /** Longest wait for a delivery (ms). @default 5_000 */
  timeout?: number;
}

/** Registers the conformance cases for one bus under `describe(name)`. */
export function runBusConformance(name: string, options: BusConformanceOptions): void {
  const timeout = options.timeout ?? 5_000;
  describe(`${name} bus conformance`, () => {
    let open: BusSetup[] = [];
    async function subscribed() {
      const setup = await options.create();
      open.push(setup);
      const [a, b] = setup.buses;
      const got: [BusMessage[], BusMessage[]] = [[], []];
      await a.subscribe({ onMessage: (m) => got[0].push(m), onGap: () => {} });
      await b.subscribe({ onMessage: (m) => got[1].push(m), onGap: () => {} });
      await a.ready?.();
      await b.ready?.();
      return { a, b, got };
    }
    afterEach(async () => {
      for (const setup of open) {
        for (const bus of setup.buses) await bus.close();
        await setup.cleanup?.();
      }
      open = [];
    });

    it('carries every kind of message to the other instance, in order', async () => {
      const { a, got } = await subscribed();
      const sent: BusMessage[] = [
        { type: 'delete', keys: ['team_1', 'team_2'], at: 1_767_225_600_000.5 },
        { type: 'delete', keys: ['team_3'], at: 7, repair: true },
        { type: 'set', keys: ['team_4'] },
        { type: 'clear', prefix: 'team_' },
        { type: 'clear', prefix: '', repair: true },
        { type: 'tags', tags: ['team:1', 'table:teams'], at: 9.25 },
      ];
      for (const message of sent) await a.publish(message);
      await vi.waitFor(() => expect(got[1]).toEqual(sent), { timeout });
    });

    it('does not deliver a message back to its sender', async () => {
      const { a, b, got } = await subscribed();
      await a.publish({ type: 'set', keys: ['mine'] });
      await b.publish({ type: 'set', keys: ['theirs'] });
      await vi.waitFor(() => expect(got[0]).toEqual([{ type: 'set', keys: ['theirs'] }]), { timeout });
      await vi.waitFor(() => expect(got[1]).toEqual([{ type: 'set', keys: ['mine'] }]), { timeout });
    });

    it('delivers every key of a large delete', async () => {
      const { a, got } = await subscribed();
      const keys = Array.from({ length: 2_000 }, (_, i) => `team_${i}_metrics_with_a_long_suffix`);
      await a.publish({ type: 'delete', keys, at: 5 });
      await vi.waitFor(() => expect(got[1].flatMap((m) => (m.type === 'delete' ? m.keys : []))).toEqual(keys), {
        timeout,
      });
      expect(got[1].every((m) => m.type === 'delete' && m.at === 5)).toBe(true);
    });

    it('reports itself healthy once subscribed', async () => {
      const { a, b } = await subscribed();
      expect(a.healthy ?? true).toBe(true);
      expect(b.healthy ?? true).toBe(true);
    });

    it('refuses a second subscribe and a malformed message with a coded error', async () => {
      const { a } = await subscribed();
      await expect(a.subscribe({ onMessage: () => {}, onGap: () => {} })).rejects.toBeInstanceOf(CacheArgumentError);
      await expect(a.publish({ type: 'delete', keys: 'k' } as unknown as BusMessage)).rejects.toBeInstanceOf(
        CacheArgumentError,
      );
    });

    it('rejects a publish after close with E_CACHE_CLOSED', async () => {
      const { a } = await subscribed();
      await a.close();
      await expect(a.publish({ type: 'set', keys: ['k'] })).rejects.toBeInstanceOf(CacheClosedError);
    });
  });
}
