/**
 * Redis as L2 (the shared Redis at REDIS_URL). Every read misses L1 (16 entries for a
 * 1,024-key working set) and hits L2. Raw ioredis is the limit. Keys live under a prefix unique
 * to the run and are deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { BenchConfig } from './config.ts';
import { bounded, cycle, makeKeys, sleep, TINY_L1, TTL_MS, VALUE, type Value, WARM_KEYS, within } from './fixtures.ts';
import type { TieredBuilder, TieredContender } from './tiered.ts';
import { type PairedTiming, paired, type Row, time } from './timing.ts';

/** Keys per getMany. */
export const BATCH = 100;

/** Name of the raw client rows. */
export const RAW = 'ioredis (limit)';
/** Name of the raw batch row that also parses what it read (what any cache must do at least). */
export const RAW_PARSED = 'ioredis + JSON.parse';

/** Results of the Redis section. */
export interface RedisResults {
  get: Row[];
  set: Row[];
  getOrSet: Row[];
  getMany: Row[];
  getOrSetMany: Row[];
  /** Ours against raw ioredis in alternating rounds (see `paired`), for the targets. */
  paired: {
    getMany?: PairedTiming;
    getManyParsed?: PairedTiming;
    parseFloor?: PairedTiming;
    get?: PairedTiming;
    getParsed?: PairedTiming;
  };
  /** Errors a library reported through events instead of rejecting (none expected). */
  eventErrors: { lib: string; count: number }[];
  /** Keys under the run prefix deleted at the end. */
  deletedKeys: number;
  prefix: string;
  serverVersion: string;
}

/** A library name reduced to letters, for key prefixes. */
export function slug(lib: string): string {
  return lib.replace(/[^a-z]/gi, '').toLowerCase();
}

/** A unique prefix for this run's keys. */
export function runPrefix(): string {
  return `agiletrack-bench-${randomUUID().slice(0, 8)}-`;
}

/** Whether Redis at `url` answers PING within 2 s; the error message otherwise. */
export async function probeRedis(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    const result = await bounded(async () => {
      await client.connect();
      return client.ping();
    }, 2_000);
    if (result.kind === 'ok') return undefined;
    if (result.kind === 'hung') return `no answer from ${url} within 2 s`;
    return `cannot reach ${url}: ${(result.error as Error)?.message ?? String(result.error)}`;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS); returns how many. */
export async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) removed += await client.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

/** Writes the warm key set through the library itself, then checks one read comes back. */
export async function seed(contender: TieredContender, keys: readonly string[]): Promise<void> {
  await within(`${contender.lib} seeding`, 60_000, async () => {
    for (const key of keys) await contender.set(key, VALUE);
  });
  if (!contender.readsThrough) {
    // Its writes to L2 finish in the background, and its get cannot see L2: give them time.
    await sleep(500);
    return;
  }
  const back = await within(`${contender.lib} read-back`, 5_000, () => contender.get(keys[3]!));
  if ((back as Value | undefined)?.id !== VALUE.id) {
    throw new Error(`${contender.lib}: a seeded key did not read back (got ${JSON.stringify(back)})`);
  }
}

/** Runs the Redis section with `builders`. */
export async function runRedis(
  config: BenchConfig,
  builders: readonly TieredBuilder[],
  log: (line: string) => void,
): Promise<RedisResults> {
  const prefix = runPrefix();
  const raw = new Redis(config.redisUrl);
  raw.on('error', () => {});
  const contenders: TieredContender[] = [];
  const keys = makeKeys('team', WARM_KEYS);
  const opts = { ms: config.redisCaseMs, perCall: true };
  const results: RedisResults = {
    get: [],
    set: [],
    getOrSet: [],
    getMany: [],
    getOrSetMany: [],
    paired: {},
    eventErrors: [],
    deletedKeys: 0,
    prefix,
    serverVersion: 'unknown',
  };
  try {
    const info = await within('redis INFO', 5_000, () => raw.info('server'));
    results.serverVersion = /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
    for (const builder of builders) {
      const contender = await within(`${builder.lib} build`, 10_000, () =>
        builder.build({ url: config.redisUrl, prefix: `${prefix}${slug(builder.lib)}-`, l1: TINY_L1 }),
      );
      contenders.push(contender);
      await seed(contender, keys);
    }
    const rawKeys = keys.map((key) => `${prefix}raw-${key}`);
    const rawValue = JSON.stringify(VALUE);
    for (const key of rawKeys) await raw.set(key, rawValue, 'PX', TTL_MS);

    const windows = Array.from({ length: 8 }, (_, w) => keys.slice(w * BATCH, (w + 1) * BATCH));
    const rawWindows = Array.from({ length: 8 }, (_, w) => rawKeys.slice(w * BATCH, (w + 1) * BATCH));
    const record = async (rows: Row[], lib: string, title: string, fn: () => unknown, note?: string) => {
      const timing = await time(fn, opts);
      log(`  ${title.padEnd(10)} ${lib.padEnd(28)} ${(timing.avg / 1e3).toFixed(1).padStart(8)} µs/op`);
      rows.push(note === undefined ? { lib, timing } : { lib, timing, note });
    };

    const nextRaw = cycle(rawKeys);
    await record(results.get, RAW, 'get', () => raw.get(nextRaw()), 'GET, no decoding');
    const getParsed = async () => {
      const value = await raw.get(nextRaw());
      return value === null ? undefined : JSON.parse(value);
    };
    await record(results.get, RAW_PARSED, 'get', getParsed, 'GET, value parsed');
    for (const c of contenders) {
      const next = cycle(keys);
      await record(results.get, c.lib, 'get', () => c.get(next()));
    }

    let factoryCalls = 0;
    const factory = async (): Promise<Value> => {
      factoryCalls++;
      return VALUE;
    };
    await record(results.getOrSet, RAW, 'getOrSet', () => raw.get(nextRaw()), 'GET, no decoding');
    for (const c of contenders) {
      const next = cycle(keys);
      factoryCalls = 0;
      await record(results.getOrSet, c.lib, 'getOrSet', () => c.getOrSet(next(), factory));
      if (factoryCalls > 0) results.getOrSet.at(-1)!.note = `factory ran ${factoryCalls} times: not all L2 hits`;
    }

    const nextRawWindow = cycle(rawWindows);
    await record(results.getMany, RAW, 'getMany', () => raw.mget(nextRawWindow()), `MGET of ${BATCH} keys`);
    const mgetParsed = async () => {
      const values = await raw.mget(nextRawWindow());
      return values.map((value) => (value === null ? undefined : JSON.parse(value)));
    };
    await record(results.getMany, RAW_PARSED, 'getMany', mgetParsed, `MGET of ${BATCH} keys, each value parsed`);
    for (const c of contenders) {
      const next = cycle(windows);
      const note = c.batch === 'native' ? undefined : `no batch read: ${BATCH} concurrent gets`;
      await record(results.getMany, c.lib, 'getMany', () => c.getMany(next()), note);
    }

    await record(
      results.getOrSetMany,
      RAW,
      'getOrSetMany',
      () => raw.mget(nextRawWindow()),
      `MGET of ${BATCH} keys, no decoding`,
    );
    for (const c of contenders) {
      const next = cycle(windows);
      factoryCalls = 0;
      const note = c.lib === '@agiletrack/cache' ? 'getOrSetMany' : `no batch getOrSet: ${BATCH} concurrent getOrSet`;
      await record(results.getOrSetMany, c.lib, 'getOrSetMany', () => c.getOrSetMany(next(), factory), note);
      if (factoryCalls > 0) results.getOrSetMany.at(-1)!.note = `${note}; factory ran ${factoryCalls} times`;
    }

    const ours = contenders.find((c) => c.lib === '@agiletrack/cache');
    if (ours) {
      const oursWindow = cycle(windows);
      const oursKey = cycle(keys);
      results.paired.getMany = await paired(
        () => raw.mget(nextRawWindow()),
        () => ours.getMany(oursWindow()),
        { calls: config.quick ? 10 : 40 },
      );
      results.paired.getManyParsed = await paired(mgetParsed, () => ours.getMany(oursWindow()), {
        calls: config.quick ? 10 : 40,
      });
      // No cache can return values for less than reading and parsing them: this is that floor.
      results.paired.parseFloor = await paired(() => raw.mget(nextRawWindow()), mgetParsed, {
        calls: config.quick ? 10 : 40,
      });
      results.paired.get = await paired(
        () => raw.get(nextRaw()),
        () => ours.get(oursKey()),
        {
          calls: config.quick ? 20 : 200,
        },
      );
      // No tiered read can return a value for less than one GET and one parse: that floor.
      results.paired.getParsed = await paired(getParsed, () => ours.get(oursKey()), {
        calls: config.quick ? 20 : 200,
      });
      for (const [name, p] of Object.entries(results.paired)) {
        log(
          `  paired     ${name.padEnd(28)} ${p!.ratio.toFixed(2)}× (ours ${(p!.oursAvg / 1e3).toFixed(1)} µs, raw ${(p!.floorAvg / 1e3).toFixed(1)} µs)`,
        );
      }
    }

    await record(
      results.set,
      RAW,
      'set',
      () => raw.set(nextRaw(), rawValue, 'PX', TTL_MS),
      'SET PX of a pre-encoded string',
    );
    for (const c of contenders) {
      const next = cycle(keys);
      await record(results.set, c.lib, 'set', () => c.set(next(), VALUE));
    }
    for (const c of contenders) {
      const count = c.swallowedErrors();
      if (count > 0) results.eventErrors.push({ lib: c.lib, count });
    }
    return results;
  } finally {
    for (const c of contenders) await c.close();
    results.deletedKeys = await within('cleanup', 30_000, () => deletePrefix(raw, prefix)).catch((error) => {
      log(`  cleanup failed: ${(error as Error).message}`);
      return -1;
    });
    raw.disconnect();
  }
}
