/**
 * In-memory caches only, one process, one run. L1-hit reads (awaited and synchronous),
 * L1-hit getOrSet, set, and the cold-key stampede. Every library is configured as its README
 * shows for an in-memory cache; see `MEMORY_SETUPS` for the exact choices.
 */
import { createCache } from '@agiletrack/cache';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { createCache as createCacheManager } from 'cache-manager';
import { Cacheable, CacheableMemory } from 'cacheable';
import { LRUCache } from 'lru-cache';
import { do_not_optimize } from 'mitata';
import type { BenchConfig } from './config.ts';
import { cycle, makeKeys, sleep, TTL_MS, VALUE, type Value, WARM_KEYS } from './fixtures.ts';
import { type Row, type Timing, time } from './timing.ts';

/** Entries every bounded store may hold: far above the warm set, so nothing is evicted. */
const CAPACITY = 10_000;

/** Row names, shared with the target checks. */
export const NAMES = {
  asyncLru: 'async wrapper over lru-cache (floor)',
  ours: '@agiletrack/cache',
  oursFamilies: '@agiletrack/cache, with key families',
  bento: 'bentocache',
  bentoRefs: 'bentocache (serialize: false)',
  manager: 'cache-manager',
  cacheable: 'cacheable',
  lruGet: 'lru-cache get (floor)',
  oursSync: '@agiletrack/cache getSync',
  cacheableMemory: 'CacheableMemory get',
  oursGetOrSet: '@agiletrack/cache getOrSet',
  oursFamiliesGetOrSet: '@agiletrack/cache getOrSet, with key families',
  bentoGetOrSet: 'bentocache getOrSet',
  bentoRefsGetOrSet: 'bentocache getOrSet (serialize: false)',
  managerWrap: 'cache-manager wrap',
  cacheableGetOrSet: 'cacheable getOrSet',
  lruSet: 'lru-cache set (floor)',
} as const;

/** Concurrent callers of one stampede. */
export const STAMPEDE_CALLERS = 100;

/** How each library is built for this section, for the report. */
export const MEMORY_SETUPS: readonly { lib: string; setup: string }[] = [
  {
    lib: '@agiletrack/cache',
    setup:
      '`createCache({ tiers: [memoryTier({ maxEntries: 10_000 })], ttl: 1 h })`; other options at their defaults (values kept as deep-frozen objects, no copy on read)',
  },
  { lib: 'lru-cache', setup: '`new LRUCache({ max: 10_000 })`; the floor, not a contender' },
  {
    lib: 'bentocache',
    setup:
      "`new BentoCache({ default: 'memory', ttl: 1 h, stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) } })`, memory driver only. `serialize` left at its documented default (`true`: entries are JSON strings, parsed on every read). A second row with `serialize: false` is shown for reference. `maxItems` raised from its default of 1,000, which would evict part of the 1,024-key warm set",
  },
  {
    lib: 'cache-manager',
    setup:
      '`createCache({ ttl: 1 h })`: its default store, a `Keyv` over a `Map` with serialization switched off by cache-manager',
  },
  {
    lib: 'cacheable',
    setup:
      '`new Cacheable({ ttl: 1 h })`: the async API, with its default primary (`KeyvCacheableMemory`, which clones values on read). This is the API comparable to ours: async, tiering-capable, with `getOrSet` and stampede protection. The synchronous `CacheableMemory` (`new CacheableMemory({ ttl: 1 h })`, also cloning by default) is shown in the synchronous-read table for reference',
  },
];

/** Results of the in-memory section. */
export interface MemoryResults {
  get: Row[];
  getSync: Row[];
  getOrSet: Row[];
  set: Row[];
  stampede: StampedeRow[];
}

/** One library's stampede result. */
export interface StampedeRow {
  lib: string;
  timing: Timing;
  stampedes: number;
  /** Factory calls per stampede: mean, lowest and highest over all stampedes. */
  factoryCallsAvg: number;
  factoryCallsMin: number;
  factoryCallsMax: number;
  /** Callers that got something other than the value. */
  wrongResults: number;
}

type GetOrSet = (key: string, factory: () => Promise<Value>) => Promise<unknown>;

function check(lib: string, value: unknown): void {
  if ((value as Value | undefined)?.id !== VALUE.id) {
    throw new Error(`${lib}: a warm key did not read back the value (got ${JSON.stringify(value)})`);
  }
}

/** Runs the in-memory section. */
export async function runMemory(config: BenchConfig, log: (line: string) => void): Promise<MemoryResults> {
  const ms = config.caseMs;
  const keys = makeKeys('team', WARM_KEYS);

  const ours = createCache({ tiers: [memoryTier({ maxEntries: CAPACITY })], ttl: TTL_MS });
  // The same cache counting per key family (`team12` → `team`), as the server runs it.
  const oursFamilies = createCache({
    tiers: [memoryTier({ maxEntries: CAPACITY })],
    ttl: TTL_MS,
    family: (key) => key.replace(/\d+$/, ''),
  });
  const lru = new LRUCache<string, Value>({ max: CAPACITY });
  const bento = new BentoCache({
    default: 'memory',
    ttl: TTL_MS,
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: CAPACITY })) },
  });
  const bentoRefs = new BentoCache({
    default: 'memory',
    ttl: TTL_MS,
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: CAPACITY, serialize: false })) },
  });
  const manager = createCacheManager({ ttl: TTL_MS });
  const cacheable = new Cacheable({ ttl: TTL_MS });
  const cacheableMemory = new CacheableMemory({ ttl: TTL_MS });

  try {
    for (const key of keys) {
      await ours.set(key, VALUE);
      await oursFamilies.set(key, VALUE);
      lru.set(key, VALUE);
      await bento.set({ key, value: VALUE });
      await bentoRefs.set({ key, value: VALUE });
      await manager.set(key, VALUE);
      await cacheable.set(key, VALUE);
      cacheableMemory.set(key, VALUE);
    }
    const probe = keys[7]!;
    check('ours', await ours.get(probe));
    check('ours getSync', ours.getSync(probe));
    check('lru-cache', lru.get(probe));
    check('bentocache', await bento.get({ key: probe }));
    check('bentocache (serialize: false)', await bentoRefs.get({ key: probe }));
    check('cache-manager', await manager.get(probe));
    check('cacheable', await cacheable.get(probe));
    check('CacheableMemory', cacheableMemory.get(probe));

    const measureRows = async (title: string, cases: [string, () => unknown, string?][]): Promise<Row[]> => {
      const rows: Row[] = [];
      for (const [lib, fn, note] of cases) {
        const timing = await time(fn, { ms });
        log(`  ${title.padEnd(10)} ${lib.padEnd(34)} ${timing.avg.toFixed(1).padStart(10)} ns/op`);
        rows.push(note === undefined ? { lib, timing } : { lib, timing, note });
      }
      return rows;
    };

    // Every case reads a different warm key each call (1,024 keys in turn), never one hot key.
    // Each case is its own function literal, so V8 keeps separate type feedback per library.
    const next = cycle(keys);
    const asyncLruGet = async (key: string) => lru.get(key);
    const get = await measureRows('get', [
      [NAMES.asyncLru, () => asyncLruGet(next())],
      [NAMES.ours, () => ours.get(next())],
      [NAMES.oursFamilies, () => oursFamilies.get(next()), 'counters per key family, as the server runs'],
      [NAMES.bento, () => bento.get({ key: next() })],
      [NAMES.bentoRefs, () => bentoRefs.get({ key: next() }), 'reference only: not its default'],
      [NAMES.manager, () => manager.get(next())],
      [NAMES.cacheable, () => cacheable.get(next())],
    ]);

    const getSync = await measureRows('getSync', [
      [NAMES.lruGet, () => do_not_optimize(lru.get(next()))],
      [NAMES.oursSync, () => do_not_optimize(ours.getSync(next()))],
      [
        NAMES.cacheableMemory,
        () => do_not_optimize(cacheableMemory.get(next())),
        'reference: clones the value on read (its default)',
      ],
    ]);

    let strayFactoryCalls = 0;
    const factory = async (): Promise<Value> => {
      strayFactoryCalls++;
      return VALUE;
    };
    const getOrSet = await measureRows('getOrSet', [
      [NAMES.oursGetOrSet, () => ours.getOrSet(next(), factory)],
      [
        NAMES.oursFamiliesGetOrSet,
        () => oursFamilies.getOrSet(next(), factory),
        'counters per key family, as the server runs',
      ],
      [NAMES.bentoGetOrSet, () => bento.getOrSet({ key: next(), factory })],
      [NAMES.bentoRefsGetOrSet, () => bentoRefs.getOrSet({ key: next(), factory }), 'reference only: not its default'],
      [NAMES.managerWrap, () => manager.wrap(next(), factory)],
      [NAMES.cacheableGetOrSet, () => cacheable.getOrSet(next(), factory)],
    ]);
    if (strayFactoryCalls > 0) {
      throw new Error(`getOrSet on warm keys called a factory ${strayFactoryCalls} times: a case is not an L1 hit`);
    }

    const set = await measureRows('set', [
      [
        NAMES.lruSet,
        () => {
          lru.set(next(), VALUE);
        },
        'synchronous',
      ],
      [NAMES.ours, () => ours.set(next(), VALUE)],
      [NAMES.bento, () => bento.set({ key: next(), value: VALUE })],
      [NAMES.manager, () => manager.set(next(), VALUE)],
      [NAMES.cacheable, () => cacheable.set(next(), VALUE)],
    ]);

    const stampede: StampedeRow[] = [];
    const contenders: [string, GetOrSet][] = [
      [NAMES.oursGetOrSet, (key, f) => ours.getOrSet(key, f)],
      [NAMES.bentoGetOrSet, (key, f) => bento.getOrSet({ key, factory: f })],
      [NAMES.managerWrap, (key, f) => manager.wrap(key, f)],
      [NAMES.cacheableGetOrSet, (key, f) => cacheable.getOrSet(key, f)],
    ];
    for (const [lib, call] of contenders) {
      const row = await measureStampede(lib, call, config.stampedeMs);
      log(
        `  stampede   ${lib.padEnd(34)} ${(row.timing.avg / 1e6).toFixed(2).padStart(7)} ms, ${row.factoryCallsAvg} factory calls`,
      );
      stampede.push(row);
    }

    return { get, getSync, getOrSet, set, stampede };
  } finally {
    await ours.close();
    await oursFamilies.close();
    await bento.disconnect();
    await bentoRefs.disconnect();
    await manager.disconnect();
    await cacheable.disconnect();
  }
}

/**
 * 100 concurrent getOrSet calls on a key never seen before, whose factory takes ~1 ms; repeated
 * on a fresh key each time. Counts factory calls per stampede: 1 means single-flight worked.
 */
async function measureStampede(lib: string, call: GetOrSet, ms: number): Promise<StampedeRow> {
  let round = 0;
  let calls = 0;
  let wrongResults = 0;
  const perRound: number[] = [];
  const factory = async (): Promise<Value> => {
    calls++;
    await sleep(1);
    return VALUE;
  };
  const callers = Array.from({ length: STAMPEDE_CALLERS });
  const timing = await time(
    async () => {
      const key = `stampede${round++}`;
      const before = calls;
      const results = await Promise.all(callers.map(() => call(key, factory)));
      for (const result of results) if ((result as Value | undefined)?.id !== VALUE.id) wrongResults++;
      perRound.push(calls - before);
    },
    { ms, perCall: true },
  );
  return {
    lib,
    timing,
    stampedes: perRound.length,
    factoryCallsAvg: Math.round((calls / perRound.length) * 100) / 100,
    factoryCallsMin: Math.min(...perRound),
    factoryCallsMax: Math.max(...perRound),
    wrongResults,
  };
}
