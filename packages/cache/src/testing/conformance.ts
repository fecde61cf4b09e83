/**
 * The tier conformance suite: the cases every tier must pass, run with Vitest.
 *
 *   runTierConformance('redis', { create: async () => ({ tier: redisTier({...}), clock }) });
 *
 * `create` returns a fresh, empty tier (a unique prefix per call) already attached to a context
 * whose clock is the fake clock it returns. Expiry cases move that clock; no case sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock, type FakeClock } from '../clock.ts';
import { createEntryCodec } from '../codec/entry-codec.ts';
import type { Entry, Ms, Tier } from '../types.ts';

/** What `create` returns. */
export interface ConformanceSetup {
  tier: Tier;
  clock: FakeClock;
  /** Closes connections and removes what the tier wrote. */
  cleanup?: () => unknown;
}

/** How to make and poke a tier. */
export interface ConformanceOptions {
  create: () => ConformanceSetup | Promise<ConformanceSetup>;
  /** Stores undecodable bytes at `key`, behind the tier's back. Enables the corruption cases. */
  corrupt?: (setup: ConformanceSetup, key: string, raw: string) => unknown;
}

/** Attaches a fresh fake clock and the default codec to `tier`; a helper for `create`. */
export function attachForTest<T extends Tier>(
  tier: T,
  clock: FakeClock = createFakeClock(),
): ConformanceSetup & { tier: T } {
  tier.attach?.({ clock, codec: createEntryCodec({ compressThreshold: 256 }) });
  return { tier, clock };
}

function entryAt(now: Ms, value: unknown, ttl = 60_000, extra: Partial<Entry> = {}): Entry {
  return { value, createdAt: now, expiresAt: now + ttl, staleUntil: now + ttl, ...extra };
}

/** Registers the conformance cases for one tier under `describe(name)`. */
export function runTierConformance(name: string, options: ConformanceOptions): void {
  describe(`${name} tier conformance`, () => {
    let open: ConformanceSetup[] = [];
    async function make(): Promise<ConformanceSetup> {
      const setup = await options.create();
      open.push(setup);
      return setup;
    }
    afterEach(async () => {
      for (const setup of open) await setup.cleanup?.();
      open = [];
    });

    it('misses a key that was never set', async () => {
      const { tier } = await make();
      expect(await tier.get('absent')).toBeUndefined();
    });

    it('returns what was set, metadata included', async () => {
      const { tier, clock } = await make();
      const entry = entryAt(clock.now(), { a: 1, list: [1, 'two', null] }, 60_000, {
        staleUntil: clock.now() + 90_000,
        tags: ['team:1', 'table:teams'],
        etag: '"v1"',
      });
      await tier.set('k', entry, 90_000);
      const got = await tier.get('k');
      expect(got?.value).toEqual(entry.value);
      expect(got?.createdAt).toBe(entry.createdAt);
      expect(got?.expiresAt).toBe(entry.expiresAt);
      expect(got?.staleUntil).toBe(entry.staleUntil);
      expect(got?.tags).toEqual(['team:1', 'table:teams']);
      expect(got?.etag).toBe('"v1"');
    });

    it('keeps Date, Map, Set, BigInt, nested objects and unicode', async () => {
      const { tier, clock } = await make();
      const value = {
        when: new Date(Date.UTC(2026, 10, 24, 12)),
        byTeam: new Map<string, number>([['a', 1]]),
        ids: new Set([1, 2, 3]),
        big: 2n ** 70n,
        text: 'Zürich ✓ 東京 🚀',
        $t: 'user data that looks like a tag',
      };
      await tier.set('types', entryAt(clock.now(), value), 60_000);
      expect((await tier.get('types'))?.value).toEqual(value);
    });

    it('overwrites an existing key', async () => {
      const { tier, clock } = await make();
      await tier.set('k', entryAt(clock.now(), 1), 60_000);
      await tier.set('k', entryAt(clock.now(), 2), 60_000);
      expect((await tier.get('k'))?.value).toBe(2);
    });

    it('accepts long and unusual keys', async () => {
      const { tier, clock } = await make();
      const keys = ['x'.repeat(512), '{team_12}_metrics', 'with space', 'ünï-cødé_✓', 'a/b?c=d&e#f'];
      for (const key of keys) await tier.set(key, entryAt(clock.now(), key), 60_000);
      for (const key of keys) expect((await tier.get(key))?.value).toBe(key);
    });

    it('round-trips a large value', async () => {
      const { tier, clock } = await make();
      const value = Array.from({ length: 2_000 }, (_, i) => ({ id: i, title: `item ${i}`, done: i % 2 === 0 }));
      await tier.set('large', entryAt(clock.now(), value), 60_000);
      expect((await tier.get('large'))?.value).toEqual(value);
    });

    it('getMany answers in the order asked, with holes for misses', async () => {
      const { tier, clock } = await make();
      await tier.set('a', entryAt(clock.now(), 'A'), 60_000);
      await tier.set('c', entryAt(clock.now(), 'C'), 60_000);
      const got = await tier.getMany(['c', 'b', 'a', 'c']);
      expect(got.map((e) => e?.value)).toEqual(['C', undefined, 'A', 'C']);
      expect(await tier.getMany([])).toEqual([]);
    });

    it('setMany writes every item with its own ttl', async () => {
      const { tier, clock } = await make();
      const now = clock.now();
      await tier.setMany([
        { key: 'short', entry: entryAt(now, 1), ttl: 1_000 },
        { key: 'long', entry: entryAt(now, 2), ttl: 60_000 },
      ]);
      expect((await tier.getMany(['short', 'long'])).map((e) => e?.value)).toEqual([1, 2]);
      clock.advance(1_001);
      const [short, long] = await tier.getMany(['short', 'long']);
      expect(short === undefined || short.staleUntil <= clock.now()).toBe(true);
      expect(long?.value).toBe(2);
    });

    it('delete and deleteMany report what they removed', async () => {
      const { tier, clock } = await make();
      await tier.setMany(['a', 'b', 'c'].map((key) => ({ key, entry: entryAt(clock.now(), key), ttl: 60_000 })));
      expect(await tier.delete('a')).toBe(true);
      expect(await tier.delete('a')).toBe(false);
      expect(await tier.deleteMany(['b', 'c', 'zz'])).toBe(2);
      expect(await tier.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, undefined]);
    });

    it('clear(prefix) removes only that prefix; clear() removes all', async () => {
      const { tier, clock } = await make();
      const keys = ['team_1', 'team_1_metrics', 'team_2', 'teams'];
      await tier.setMany(keys.map((key) => ({ key, entry: entryAt(clock.now(), key), ttl: 60_000 })));
      expect(await tier.clear('team_1')).toBe(2);
      expect((await tier.keys()).sort()).toEqual(['team_2', 'teams']);
      expect(await tier.keys('team')).toHaveLength(2);
      expect(await tier.clear()).toBe(2);
      expect(await tier.keys()).toEqual([]);
    });

    it('caps an entry at the ttl it was given and forgets it after (fake clock)', async () => {
      const { tier, clock } = await make();
      const now = clock.now();
      await tier.set('k', entryAt(now, 'v', 3_600_000), 1_000);
      const fresh = await tier.get('k');
      expect(fresh?.value).toBe('v');
      expect(fresh!.staleUntil).toBeLessThanOrEqual(now + 1_000);
      clock.advance(999);
      expect((await tier.get('k'))?.value).toBe('v');
      clock.advance(2);
      const late = await tier.get('k');
      expect(late === undefined || late.staleUntil <= clock.now()).toBe(true);
      expect(await tier.keys()).toEqual([]);
    });

    it('prune removes expired entries and keeps live ones', async () => {
      const { tier, clock } = await make();
      if (!tier.prune) return;
      await tier.set('old', entryAt(clock.now(), 1, 1_000), 1_000);
      await tier.set('live', entryAt(clock.now(), 2), 60_000);
      clock.advance(5_000);
      expect(await tier.prune()).toBeGreaterThanOrEqual(1);
      expect(await tier.get('old')).toBeUndefined();
      expect((await tier.get('live'))?.value).toBe(2);
    });

    it('reports its entries in stats', async () => {
      const { tier, clock } = await make();
      await tier.setMany(['a', 'b', 'c'].map((key) => ({ key, entry: entryAt(clock.now(), key), ttl: 60_000 })));
      const stats = tier.stats();
      expect(stats.entries).toBeGreaterThanOrEqual(3);
      expect(stats.corrupt).toBe(0);
    });

    it('keeps concurrent writes to different keys', async () => {
      const { tier, clock } = await make();
      await Promise.all(Array.from({ length: 50 }, (_, i) => tier.set(`c${i}`, entryAt(clock.now(), i), 60_000)));
      const got = await tier.getMany(Array.from({ length: 50 }, (_, i) => `c${i}`));
      expect(got.map((e) => e?.value)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it('fences: a delete-with-fence refuses older refresh writes and lets newer ones in', async () => {
      const { tier, clock } = await make();
      if (tier.sync || !tier.fence || !tier.setFenced) return;
      const now = clock.now();
      await tier.set('k', entryAt(now, 'old'), 60_000);
      await tier.fence(['k', 'never-set'], now + 10, 60_000);
      expect(await tier.get('k')).toBeUndefined();
      expect(await tier.keys()).toEqual([]);
      expect(tier.stats().corrupt).toBe(0); // a fence is a miss, not a corrupt entry
      // A value whose source read began before the fence is refused…
      expect(await tier.setFenced('k', entryAt(now + 5, 'read before the write'), 60_000)).toBe(false);
      expect(await tier.setFenced('never-set', entryAt(now + 10, 'same instant'), 60_000)).toBe(false);
      expect(await tier.get('k')).toBeUndefined();
      // …one read after it is written, and plain writes are never fenced.
      expect(await tier.setFenced('k', entryAt(now + 11, 'read after the write'), 60_000)).toBe(true);
      expect((await tier.get('k'))?.value).toBe('read after the write');
      await tier.fence(['k'], now + 20, 60_000);
      await tier.set('k', entryAt(now + 1, 'explicit set'), 60_000);
      expect((await tier.get('k'))?.value).toBe('explicit set');
      // Without a fence, setFenced writes unless the stored value read the source later.
      expect(await tier.setFenced('fresh', entryAt(now, 'v'), 60_000)).toBe(true);
      expect(await tier.setFenced('fresh', entryAt(now - 1, 'older read'), 60_000)).toBe(false);
      expect(await tier.setFenced('fresh', entryAt(now + 1, 'newer read'), 60_000)).toBe(true);
      expect((await tier.get('fresh'))?.value).toBe('newer read');
    });

    if (options.corrupt) {
      const corrupt = options.corrupt;
      for (const [label, raw] of [
        ['truncated JSON', '{"v":1,"timestamp":1,"expi'],
        ['JSON of the wrong shape', '{"hello":"world"}'],
        [
          'truncated compressed data',
          '{"v":1,"timestamp":1,"expiresAt":9e15,"staleUntil":9e15,"z":1,"data":"eJzLSM3JyQcABiwCFQ"}',
        ],
        [
          'an unknown encryption key',
          '{"v":1,"timestamp":1,"expiresAt":9e15,"staleUntil":9e15,"enc":{"k":"gone","iv":"AAAA","t":"AAAA"},"data":"AAAA"}',
        ],
      ] as const) {
        it(`reads ${label} as a counted miss and drops it`, async () => {
          const setup = await make();
          await corrupt(setup, 'bad', raw);
          const before = setup.tier.stats().corrupt;
          expect(await setup.tier.get('bad')).toBeUndefined();
          expect((await setup.tier.getMany(['bad']))[0]).toBeUndefined();
          expect(setup.tier.stats().corrupt).toBeGreaterThan(before);
          expect(await setup.tier.keys()).not.toContain('bad');
        });
      }
    }
  });
}
