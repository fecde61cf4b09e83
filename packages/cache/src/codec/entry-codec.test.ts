import { describe, expect, it } from 'vitest';
import { CacheCorruptEntryError, CacheDecryptError, CacheOptionsError, CacheUnserializableError } from '../errors.ts';
import type { Entry } from '../types.ts';
import { aesGcmEncryptor, generateEncryptionKey } from './encryption.ts';
import { createEntryCodec } from './entry-codec.ts';
import { deserialize, serialize } from './serializer.ts';

const entry = (value: unknown, extra: Partial<Entry> = {}): Entry => ({
  value,
  createdAt: 1_000.5,
  expiresAt: 2_000,
  staleUntil: 3_000,
  ...extra,
});

describe('serializer', () => {
  it('round-trips the types JSON loses', () => {
    const value = {
      date: new Date('2026-11-24T10:00:00.000Z'),
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, new Set(['nested'])],
      ]),
      set: new Set([1, 'two']),
      big: -(2n ** 80n),
      list: [new Date(0), null, 'x'],
      $t: 'an own "$t" key is escaped',
      inner: { $t: 'Date', v: 0 },
    };
    expect(deserialize(serialize(value))).toEqual(value);
  });

  it('keeps plain data as readable JSON', () => {
    expect(serialize({ a: [1, 'b', null] })).toBe('{"a":[1,"b",null]}');
  });

  it('refuses functions, symbols and cycles with a coded error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [{ f: () => 1 }, { s: Symbol('x') }, cyclic, undefined]) {
      expect(() => serialize(bad)).toThrow(CacheUnserializableError);
    }
  });
});

describe('entry codec', () => {
  it('reads back every time exactly, whatever the number looks like, with or without tags', () => {
    const codec = createEntryCodec();
    const times = [0, -42, 1_000.5, 1_767_225_600_000, 1_767_225_600_000.001, 2 ** 53 + 2, 1e21, 1.5e-7];
    for (const createdAt of times) {
      for (const extra of [{}, { tags: ['team:1'] }]) {
        const stored = entry({ $t: 'user data', at: new Date(5) }, { createdAt, expiresAt: createdAt + 1, ...extra });
        expect(codec.decode('k', codec.encode('k', stored, createdAt + 7)), String(createdAt)).toEqual({
          entry: stored,
          keepUntil: createdAt + 7,
        });
      }
    }
  });

  it('judges a plain entry with a trailing field or broken data as corrupt, as a full decode does', () => {
    const codec = createEntryCodec();
    const raw = codec.encode('k', entry({ a: 1 }), undefined);
    expect(codec.decode('k', `${raw.slice(0, -1)},"x":2}`).entry.value).toEqual({ a: 1 });
    for (const bad of [`${raw.slice(0, -2)}}`, `${raw.slice(0, -1)},}`, raw.replace('"data":', '"data":,')]) {
      expect(() => codec.decode('k', bad), bad).toThrow(CacheCorruptEntryError);
    }
  });

  it('stores the readable browser shape: data and timestamp, readable when small', () => {
    const codec = createEntryCodec();
    const raw = codec.encode('team_1', entry({ name: 'A' }, { tags: ['team:1'], etag: '"e"' }), 2_500);
    const parsed = JSON.parse(raw);
    expect(parsed).toMatchObject({
      data: { name: 'A' },
      timestamp: 1_000.5,
      tags: ['team:1'],
      etag: '"e"',
      keep: 2_500,
    });
    expect(codec.decode('team_1', raw)).toEqual({
      entry: entry({ name: 'A' }, { tags: ['team:1'], etag: '"e"' }),
      keepUntil: 2_500,
    });
  });

  it('compresses above the threshold and counts the ratio', () => {
    const codec = createEntryCodec({ compressThreshold: 100 });
    const value = 'metrics '.repeat(1_000);
    const raw = codec.encode('k', entry(value));
    expect(raw.length).toBeLessThan(500);
    expect(codec.decode('k', raw).entry.value).toBe(value);
    const stats = codec.stats();
    expect(stats.count).toBe(1);
    expect(stats.rawBytes / stats.storedBytes).toBeGreaterThan(20);
  });

  it('reads entries compressed before, by fflate (raw DEFLATE both)', () => {
    const data =
      'Rc07CgJREETRrQwdG9hV/mZWYS4GE4wg+BD0ZeLeBbGv2aWCOq/oy9xiiuNt7pf7o8Uqrn1pz5hO3xjWv2XIClW4YlOxrdhV7CsOFWNF/q/5Ts6T9+Q++U+AREiIxBCGMIQhDGEIQxjCEIYwjGEMYxjDGMYwhjGM4THO7w8=';
    const raw = `{"v":1,"timestamp":1,"expiresAt":2,"staleUntil":2,"z":1,"data":"${data}"}`;
    expect(createEntryCodec().decode('k', raw).entry.value).toEqual({
      team: 'Platform',
      items: Array.from({ length: 40 }, (_, i) => `item ${i}`),
    });
  });

  it('uses the compression it is given, or none', () => {
    const value = 'metrics '.repeat(1_000);
    const calls = { deflate: 0, inflate: 0 };
    const platform = createEntryCodec({ compressThreshold: 100 });
    const counting = createEntryCodec({
      compressThreshold: 100,
      compression: {
        deflate: (bytes) => {
          calls.deflate++;
          return bytes.slice().reverse();
        },
        inflate: (bytes) => {
          calls.inflate++;
          return bytes.slice().reverse();
        },
      },
    });
    const raw = counting.encode('k', entry(value));
    expect(raw).toContain('"z":1');
    expect(counting.decode('k', raw).entry.value).toBe(value);
    expect(calls).toEqual({ deflate: 1, inflate: 1 });

    const none = createEntryCodec({ compressThreshold: 100, compression: false });
    const plain = none.encode('k', entry(value));
    expect(plain).not.toContain('"z":1');
    expect(none.decode('k', plain).entry.value).toBe(value);
    // A compressed entry met where there is nothing to inflate it is corrupt (dropped and counted).
    expect(() => none.decode('k', platform.encode('k', entry(value)))).toThrow(CacheCorruptEntryError);
    expect(() => createEntryCodec({ compression: {} as never })).toThrow(CacheOptionsError);
  });

  it('binds the ciphertext to its key: moved under another key it does not decrypt', () => {
    const codec = createEntryCodec({
      encryptor: aesGcmEncryptor({ keys: [{ id: 'k1', key: generateEncryptionKey() }] }),
    });
    const raw = codec.encode('a', entry('secret', { sensitive: true }));
    expect(codec.decode('a', raw).entry).toMatchObject({ value: 'secret', sensitive: true });
    expect(() => codec.decode('b', raw)).toThrow(CacheDecryptError);
  });

  it.each([
    ['not JSON', 'nope'],
    ['a JSON array', '[1,2]'],
    ['a missing timestamp', '{"v":1,"expiresAt":1,"staleUntil":1,"data":1}'],
    ['a future format version', '{"v":2,"timestamp":1,"expiresAt":1,"staleUntil":1,"data":1}'],
    ['tags that are not strings', '{"v":1,"timestamp":1,"expiresAt":1,"staleUntil":1,"tags":[1],"data":1}'],
    ['compressed data that is not base64', '{"v":1,"timestamp":1,"expiresAt":1,"staleUntil":1,"z":1,"data":"%%%"}'],
    [
      'truncated compressed data',
      '{"v":1,"timestamp":1,"expiresAt":1,"staleUntil":1,"z":1,"data":"eJzLSM3JyQcABiwCFQ"}',
    ],
  ])('rejects %s as a corrupt entry', (_label, raw) => {
    expect(() => createEntryCodec().decode('k', raw)).toThrow(CacheCorruptEntryError);
  });

  it('validates its options', () => {
    expect(() => createEntryCodec({ compressThreshold: -1 })).toThrow(CacheOptionsError);
    expect(() => createEntryCodec({ compressionLevel: 0 as never })).toThrow(CacheOptionsError);
    expect(() => aesGcmEncryptor({ keys: [{ id: 'k1', key: 'c2hvcnQ=' }] })).toThrow(/32 bytes/);
    expect(() => aesGcmEncryptor({ keys: [] })).toThrow(/at least one key/);
    const key = generateEncryptionKey();
    expect(() =>
      aesGcmEncryptor({
        keys: [
          { id: 'a', key },
          { id: 'a', key },
        ],
      }),
    ).toThrow(/listed twice/);
    expect(() => aesGcmEncryptor({ keys: [{ id: 'bad id', key }] })).toThrow(/key id/);
  });
});
