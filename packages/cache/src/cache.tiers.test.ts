import { describe, expect, it } from 'vitest';
import { createCache } from './cache.ts';
import { createFakeClock, type FakeClock } from './clock.ts';
import { aesGcmEncryptor, generateEncryptionKey } from './codec/encryption.ts';
import { createEntryCodec } from './codec/entry-codec.ts';
import { CacheEncryptionKeyMissingError } from './errors.ts';
import { faultyTier } from './testing/faulty-tier.ts';
import { type MemoryTier, memoryTier } from './tiers/memory.ts';

/** Lets promise chains run (a few turns of the event loop), without waiting on time. */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Lets the cache run until it has scheduled a timer on the fake clock. */
async function untilScheduled(clock: FakeClock): Promise<void> {
  for (let turns = 0; clock.pending === 0; turns++) {
    if (turns > 100) throw new Error('no timer was scheduled');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function twoTiers(options: Partial<Parameters<typeof createCache>[0]> = {}, l1Ttl = 5_000) {
  const clock = createFakeClock();
  const l1 = memoryTier({ ttl: l1Ttl });
  const inner = memoryTier({ name: 'inner', serialize: true });
  const l2 = faultyTier(inner, 'l2');
  const cache = createCache({ tiers: [l1, l2], clock, sweepInterval: 0, ...options });
  return { cache, clock, l1, l2, inner };
}

describe('tiers and promotion', () => {
  it('caps each tier at its own ttl and refills the fast tier from the slow one', async () => {
    const { cache, clock, l1 } = twoTiers({ ttl: 60_000 });
    await cache.set('k', 'v');
    clock.advance(5_000);
    expect(l1.get('k')?.staleUntil).toBeLessThanOrEqual(clock.now());
    const status = {};
    expect(await cache.get('k', { status })).toBe('v');
    expect(status).toMatchObject({ tier: 'l2' });
    expect(cache.stats().tiers.map((t) => [t.name, t.hits, t.misses])).toEqual([
      ['memory', 0, 1],
      ['l2', 1, 0],
    ]);
  });

  it('promotes with the remaining ttl: the fast copy expires when the slow one would', async () => {
    const { cache, clock, l1 } = twoTiers({ ttl: 10_000 }, 60_000);
    await cache.set('k', 'v');
    l1.clear(); // as if this instance restarted, or L1 evicted it
    clock.advance(8_000);
    expect(await cache.get('k')).toBe('v'); // promoted with 2 s left, not a fresh 60 s
    expect(l1.get('k')?.value).toBe('v');
    clock.advance(1_999);
    expect(cache.getSync('k')).toBe('v');
    clock.advance(1);
    expect(cache.getSync('k')).toBeUndefined();
    expect(await cache.get('k')).toBeUndefined();
  });

  it('reads a batch with one call per asynchronous tier, and promotes the hits', async () => {
    const { cache, l1, l2 } = twoTiers();
    await cache.setMany(Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: i })));
    expect(l2.controls.calls.setMany).toBe(1);
    l1.clear();
    const values = await cache.getMany([...Array.from({ length: 100 }, (_, i) => `k${i}`), 'absent']);
    expect(values).toEqual([...Array.from({ length: 100 }, (_, i) => i), undefined]);
    expect(l2.controls.calls.getMany).toBe(1);
    expect(l1.keys()).toHaveLength(100);
    await cache.getMany(Array.from({ length: 100 }, (_, i) => `k${i}`));
    expect(l2.controls.calls.getMany).toBe(1); // all from L1 now
  });
});

describe('a failing asynchronous tier never fails a request', () => {
  it('answers a read within the deadline when the remote tier hangs, on the cache clock', async () => {
    const { cache, clock, l2 } = twoTiers({ tierDeadline: 20 });
    l2.controls.mode = 'hang';
    let answered: unknown;
    const read = cache
      .getOrSet('k', () => 'from source')
      .then((value) => {
        answered = value;
      });
    await untilScheduled(clock);
    clock.advance(19);
    await settle();
    expect(answered).toBeUndefined(); // the deadline has not passed on the cache's clock
    clock.advance(1); // the read is cut; the factory runs; its write to the hung tier waits
    await untilScheduled(clock);
    clock.advance(20);
    await read;
    expect(answered).toBe('from source');
    const tier = cache.stats().tiers[1]!;
    expect(tier.timeouts).toBe(2); // the read and the write, each cut at the deadline
    expect(clock.pending).toBe(0);
  });

  it('waits as long as the tier takes when the deadline is Infinity (a timer would fire it after 1 ms)', async () => {
    const { cache, l1, l2 } = twoTiers({ tierDeadline: Number.POSITIVE_INFINITY });
    await cache.set('k', 'v');
    l1.clear();
    l2.controls.latency = 5;
    expect(await cache.get('k')).toBe('v');
    expect(cache.stats().tiers[1]!.timeouts).toBe(0);
  });

  it('opens the breaker after repeated failures, skips the tier, and closes after a good probe', async () => {
    const { cache, clock, l2 } = twoTiers({ breaker: { failures: 3, cooldown: 1_000 } });
    const states: string[] = [];
    cache.on('breaker', (event) => states.push(event.state));
    l2.controls.mode = 'fail';
    for (let i = 0; i < 3; i++) await cache.get(`miss${i}`);
    expect(cache.stats().tiers[1]!.breaker).toBe('open');
    const callsWhenOpened = l2.controls.calls.get;
    await cache.get('skipped');
    expect(l2.controls.calls.get).toBe(callsWhenOpened);
    expect(cache.stats().tiers[1]!.skipped).toBe(1);
    l2.controls.mode = 'ok';
    clock.advance(1_000);
    await cache.get('probe');
    expect(cache.stats().tiers[1]!.breaker).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('deletes keys whose write failed once the tier is back, so it cannot serve them', async () => {
    const { cache, clock, l2, inner, l1 } = twoTiers({ breaker: { failures: 1, cooldown: 1_000 } });
    await cache.set('k', 'old');
    l2.controls.mode = 'fail';
    await cache.set('k', 'new'); // L1 has "new"; L2 still has "old"
    l2.controls.mode = 'ok';
    clock.advance(1_000);
    const repaired = new Promise((resolve) => cache.on('repair', resolve));
    await cache.get('probe'); // closes the breaker and runs the repair
    await repaired;
    expect(inner.get('k')).toBeUndefined();
    l1.clear();
    expect(await cache.get('k')).toBeUndefined();
    expect(cache.stats().tiers[1]!.repairs).toBe(1);
  });

  it('repairs a single failed write with the default breaker settings, once the tier answers again', async () => {
    const { cache, l2, inner, l1 } = twoTiers();
    await cache.set('k', 'old');
    l2.controls.mode = 'fail';
    await cache.set('k', 'new'); // one failure: the breaker (5 by default) stays closed
    expect(cache.stats().tiers[1]).toMatchObject({ breaker: 'closed', pendingRepairs: 1, errors: 1 });
    l2.controls.mode = 'ok';
    const repaired = new Promise((resolve) => cache.on('repair', resolve));
    await cache.get('probe'); // the tier answers: the repair runs
    expect(await repaired).toMatchObject({ tier: 'l2', keys: 1, cleared: false });
    expect(inner.get('k')).toBeUndefined();
    l1.clear();
    expect(await cache.get('k')).toBeUndefined();
    expect(cache.stats().tiers[1]).toMatchObject({ pendingRepairs: 0, repairs: 1 });
  });

  it('never reads back a value whose delete failed, from the moment the tier answers until the repair removed it', async () => {
    const { cache, l2, inner } = twoTiers();
    await cache.set('k', 'old');
    l2.controls.mode = 'fail';
    await cache.delete('k'); // gone from L1; the delete in L2 failed, which still holds the old value
    expect(inner.get('k')?.value).toBe('old');
    l2.controls.mode = 'ok';
    const repaired = new Promise((resolve) => cache.on('repair', resolve));
    // This read is the first call the tier answers: it starts the repair, and must not serve 'old'.
    expect(await cache.get('k')).toBeUndefined();
    await repaired;
    expect(inner.get('k')).toBeUndefined();
    expect(await cache.getOrSet('k', () => 'new')).toBe('new');
    expect(cache.stats().tiers[1]!.pendingRepairs).toBe(0);
  });

  it('does not repair a key that was written successfully after its failed write', async () => {
    const { cache, l2, inner } = twoTiers();
    l2.controls.mode = 'fail';
    await cache.set('k', 'lost');
    l2.controls.mode = 'ok';
    await cache.set('k', 'kept');
    expect(cache.stats().tiers[1]!.pendingRepairs).toBe(0);
    expect(inner.get('k')?.value).toBe('kept');
  });
});

describe('codec through the cache', () => {
  const keys = () => [
    { id: 'k2', key: generateEncryptionKey() },
    { id: 'k1', key: generateEncryptionKey() },
  ];

  it('encrypts sensitive entries in shared tiers and refuses them without a key', async () => {
    const [current] = keys();
    const codec = createEntryCodec({ encryptor: aesGcmEncryptor({ keys: [current!] }) });
    const { cache, inner } = twoTiers({ codec });
    await cache.set('token', { secret: 'hunter2' }, { sensitive: true });
    const raw = (inner as MemoryTier).peekRaw('token') as string;
    expect(raw).not.toContain('hunter2');
    expect(raw).toContain('"enc"');
    expect(await cache.get('token')).toEqual({ secret: 'hunter2' });

    const { cache: keyless } = twoTiers();
    await expect(keyless.set('token', 'x', { sensitive: true })).rejects.toBeInstanceOf(CacheEncryptionKeyMissingError);
    expect(await keyless.has('token')).toBe(false);
  });

  it('decrypts old entries after a key rotation and encrypts new ones with the newest key', async () => {
    const [newer, older] = keys();
    const clock = createFakeClock();
    const shared = memoryTier({ name: 'shared', serialize: true });
    const before = createCache({
      tiers: [faultyTier(shared, 'l2')],
      clock,
      codec: createEntryCodec({ encryptor: aesGcmEncryptor({ keys: [older!] }) }),
      sweepInterval: 0,
    });
    await before.set('old', 'written with k1', { sensitive: true });
    const after = createCache({
      tiers: [faultyTier(shared, 'l2')],
      clock,
      codec: createEntryCodec({ encryptor: aesGcmEncryptor({ keys: [newer!, older!] }) }),
      sweepInterval: 0,
    });
    expect(await after.get('old')).toBe('written with k1');
    await after.set('new', 'written with k2', { sensitive: true });
    expect(shared.peekRaw('new')).toContain('"k":"k2"');
  });

  it('reads a wrong key, corrupt JSON and truncated compressed data as counted misses', async () => {
    const [a, b] = keys();
    const clock = createFakeClock();
    const shared = memoryTier({ name: 'shared', serialize: true });
    const writer = createCache({
      tiers: [faultyTier(shared, 'l2')],
      clock,
      codec: createEntryCodec({ encryptor: aesGcmEncryptor({ keys: [a!] }), compressThreshold: 100 }),
      sweepInterval: 0,
    });
    await writer.set('secret', 's', { sensitive: true });
    await writer.set('big', 'x'.repeat(10_000));
    const stored = shared.peekRaw('big') as string;
    expect(stored).toContain('"z":1');
    shared.pokeRaw(
      'big',
      stored.replace(/"data":"(.*)"}$/, (_m, data: string) => `"data":"${data.slice(0, 20)}"}`),
    );
    shared.pokeRaw('junk', '{"v":1,"timest');

    const reader = createCache({
      tiers: [memoryTier(), faultyTier(shared, 'l2')],
      clock,
      codec: createEntryCodec({ encryptor: aesGcmEncryptor({ keys: [b!] }) }),
      sweepInterval: 0,
    });
    expect(await reader.getMany(['secret', 'big', 'junk'])).toEqual([undefined, undefined, undefined]);
    expect(await reader.getOrSet('secret', () => 'recomputed', { sensitive: true })).toBe('recomputed');
    const l2 = reader.stats().tiers[1]!;
    expect(l2.corrupt).toBe(3);
    expect(l2.errors).toBe(0); // a bad entry is not a failing tier
    expect(shared.peekRaw('big')).toBeUndefined();
  });

  it('records the compression ratio', async () => {
    const { cache } = twoTiers({ codec: { compressThreshold: 100 } });
    await cache.set('big', 'abc'.repeat(10_000));
    const compressed = cache.stats().tiers[1]!.compressed!;
    expect(compressed.count).toBe(1);
    expect(compressed.ratio).toBeGreaterThan(10);
  });
});

describe('synchronous reads across synchronous tiers', () => {
  it('reports the tier that answered and promotes into the faster one', () => {
    const clock = createFakeClock();
    const front = memoryTier({ name: 'front' });
    const back = memoryTier({ name: 'back' });
    const cache = createCache({ tiers: [front, back], clock, sweepInterval: 0 });
    back.set(
      'k',
      { value: 'v', createdAt: clock.now(), expiresAt: clock.now() + 1_000, staleUntil: clock.now() + 1_000 },
      1_000,
    );
    const status = {};
    expect(cache.getSync('k', { status })).toBe('v');
    expect(status).toMatchObject({ result: 'hit', tier: 'back' });
    expect(front.get('k')?.value).toBe('v');
  });
});

describe('the sweep', () => {
  it('runs every sweepInterval of the cache clock, and stops when the cache closes', async () => {
    const { cache, clock, l2 } = twoTiers({ sweepInterval: 1_000 });
    expect(clock.pending).toBe(1); // the sweep timer, on the cache's clock
    clock.advance(999);
    await settle();
    expect(l2.controls.calls.prune).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(l2.controls.calls.prune).toBe(1);
    clock.advance(1_000);
    await settle();
    expect(l2.controls.calls.prune).toBe(2);
    await cache.close();
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    await settle();
    expect(l2.controls.calls.prune).toBe(2);
  });
});
