/**
 * The header has one definition and three readers: JavaScript (web-storage), Lua (the Redis
 * tier's fenced write) and SQL (the Postgres tier's fenced write). They must read the same stamp
 * from every stored string, including the ones no codec writes.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '../types.ts';
import { createEntryCodec } from './entry-codec.ts';
import { FENCE_PREFIX, luaStoredStamp, readHeader, sqlStoredStamp, storedStamp } from './header.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const entry = (createdAt: number, extra: Partial<Entry> = {}): Entry => ({
  value: { n: 1, text: 'x'.repeat(40) },
  createdAt,
  expiresAt: createdAt + 60_000,
  staleUntil: createdAt + 120_000,
  ...extra,
});

const codec = createEntryCodec({ compressThreshold: 16 });
const plain = createEntryCodec();

/** Stored strings as the codec writes them, with the stamp each must give. */
const written: [string, number][] = [
  [plain.encode('k', entry(1_767_225_600_000), undefined), 1_767_225_600_000],
  [plain.encode('k', entry(1_767_225_600_000.5), 1_767_225_700_000), 1_767_225_600_000.5],
  [plain.encode('k', entry(-42, { tags: ['team:1'], etag: 'W/"x"' }), 10), -42],
  [codec.encode('k', entry(7), 99), 7],
  [plain.encode('k', entry(1e21), undefined), 1e21],
  [`${FENCE_PREFIX}1767225600000`, 1_767_225_600_000],
  [`${FENCE_PREFIX}12.25`, 12.25],
];

/** Strings no codec writes; every reader must find no stamp in them. */
const foreign = [
  '',
  'plain text',
  '{"v":2,"timestamp":5,"data":1}',
  '{"timestamp":5,"v":1}',
  '{"v":1,"timestamp":"5"}',
  '{"v":1,"timestamp":1e}',
  '{"v":1,"timestamp":--1}',
  '{"v":1,"timestamp":1.}',
  '{"v":1,"timestamp":.5}',
  '{"v":1,"timestamp":+5}',
  '{"v":1,"timestamp":1e999}',
  `{"v":1,"timestamp":${'9'.repeat(400)}}`,
  `${FENCE_PREFIX}`,
  `${FENCE_PREFIX}abc`,
  `${FENCE_PREFIX}1e400`,
  `${FENCE_PREFIX}0x10`,
  `${FENCE_PREFIX}inf`,
];

const cases: [string, number | undefined][] = [
  ...written,
  ...foreign.map((raw): [string, undefined] => [raw, undefined]),
];

describe('stored-entry header', () => {
  let redis: Redis;
  let pool: pg.Pool;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { lazyConnect: false });
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  });
  afterAll(async () => {
    await redis?.quit();
    await pool?.end();
  });

  it('JavaScript reads the stamp the codec wrote, and none from anything else', () => {
    for (const [raw, stamp] of cases) expect(storedStamp(raw), raw).toBe(stamp);
  });

  it('the Lua reader agrees with JavaScript on every string', async () => {
    const script = `${luaStoredStamp()}
local out = {}
for i = 1, #ARGV do
  local at = stored_stamp(ARGV[i])
  if at == nil then out[i] = '' else out[i] = string.format('%.17g', at) end
end
return out`;
    const raws = cases.map(([raw]) => raw);
    const results = (await redis.eval(script, 0, ...raws)) as string[];
    expect(results.map((text) => (text === '' ? undefined : Number(text)))).toEqual(cases.map(([, stamp]) => stamp));
  });

  it('the SQL reader agrees with JavaScript on every string', async () => {
    const raws = cases.map(([raw]) => raw);
    const { rows } = await pool.query<{ at: number | null }>(
      `SELECT ${sqlStoredStamp('v')} AS at FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i) ORDER BY i`,
      [raws],
    );
    expect(rows.map((row) => row.at ?? undefined)).toEqual(cases.map(([, stamp]) => stamp));
  });

  it('reads all leading times of an entry, and nothing from a fence', () => {
    const raw = plain.encode('k', entry(1_000, { tags: ['a'] }), 90_000);
    expect(readHeader(raw)).toEqual({ timestamp: 1_000, expiresAt: 61_000, staleUntil: 121_000, keep: 90_000 });
    expect(readHeader(plain.encode('k', entry(1_000), undefined))?.keep).toBeUndefined();
    expect(readHeader(`${FENCE_PREFIX}5`)).toBeUndefined();
    for (const raw of foreign) expect(readHeader(raw), raw).toBeUndefined();
  });
});
