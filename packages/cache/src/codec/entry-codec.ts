/**
 * The stored form of an entry: one JSON object, readable when neither compressed nor encrypted.
 * Its leading fields are the header of `header.ts`, which stores read without decoding.
 *
 *   {"v":1,"timestamp":createdAt,"expiresAt":…,"staleUntil":…,"tags":[…],"etag":"…","data":<value>}
 *
 * `data` holds the tagged-JSON value inline; when compressed (`"z":1`) or encrypted
 * (`"enc":{"k":keyId,"iv":…,"t":…}`) it holds base64 bytes instead. `timestamp` keeps the
 * seed's name for the creation time. `keep` is the tier's own expiry, when the tier stores it.
 */
import {
  CacheCorruptEntryError,
  CacheDecryptError,
  CacheEncryptionKeyMissingError,
  CacheError,
  CacheOptionsError,
} from '../errors.ts';
import type { Entry, EntryCodec, Ms } from '../types.ts';
import { fromBase64, toBase64, utf8Decode, utf8Encode, utf8Length } from './bytes.ts';
import { HEADER_VERSION, writeHeader } from './header.ts';
import { deserialize, serialize } from './serializer.ts';

/** A ciphertext with what is needed to open it. */
export interface Encrypted {
  readonly keyId: string;
  readonly iv: Uint8Array;
  readonly tag: Uint8Array;
  readonly data: Uint8Array;
}

/** Seals bytes for shared tiers. `aad` is the cache key. See `codec/encryption.ts`. */
export interface Encryptor {
  readonly currentKeyId: string;
  encrypt(plain: Uint8Array, aad: string): Encrypted;
  /** Throws `CacheDecryptError` on an unknown key id, a wrong key or tampered data. */
  decrypt(sealed: Encrypted, aad: string): Uint8Array;
}

/** Codec options. Defaults live here and nowhere else. */
export interface EntryCodecOptions {
  /**
   * Values whose serialized form is larger than this many bytes are deflated.
   * @default 1024
   */
  compressThreshold?: number;
  /**
   * zlib level, 1 (fast) to 9 (small).
   * @default 1
   */
  compressionLevel?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /**
   * Raw DEFLATE both ways; `false` never compresses. Browsers have no synchronous compressor:
   * there the web-storage tier compresses large entries itself through `CompressionStream`, in
   * the same format, and a compressor passed here (fflate's `deflateSync`/`inflateSync` fit)
   * compresses everywhere else.
   * @default Node's zlib where the platform has it, else none
   */
  compression?: Compression | false;
  /** Encrypts entries marked `sensitive`; without it such entries are refused by shared tiers. */
  encryptor?: Encryptor;
}

/** Raw DEFLATE (RFC 1951, no zlib header): what a compressed entry's `data` holds, base64-encoded. */
export interface Compression {
  deflate(bytes: Uint8Array, level: number): Uint8Array;
  /** Throws on data that is not valid DEFLATE. */
  inflate(bytes: Uint8Array): Uint8Array;
}

interface Zlib {
  deflateRawSync(bytes: Uint8Array, options: { level: number }): Uint8Array;
  inflateRawSync(bytes: Uint8Array): Uint8Array;
}

// Reached without an import so browser bundles carry no compressor they would not use.
function platformCompression(): Compression | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = proc?.getBuiltinModule?.('node:zlib') as Zlib | undefined;
  if (zlib === undefined) return undefined;
  return {
    deflate: (bytes, level) => zlib.deflateRawSync(bytes, { level }),
    inflate: (bytes) => zlib.inflateRawSync(bytes),
  };
}

interface StoredEnvelope {
  v?: unknown;
  timestamp?: unknown;
  expiresAt?: unknown;
  staleUntil?: unknown;
  tags?: unknown;
  etag?: unknown;
  s?: unknown;
  z?: unknown;
  enc?: { k?: unknown; iv?: unknown; t?: unknown };
  keep?: unknown;
  data?: unknown;
}

/** Creates a codec. Validates options at once. */
export function createEntryCodec(options: EntryCodecOptions = {}): EntryCodec {
  const threshold = options.compressThreshold ?? 1024;
  if (!(threshold >= 0))
    throw new CacheOptionsError('compressThreshold must be a number >= 0 (Infinity disables compression)');
  const level = options.compressionLevel ?? 1;
  const compression = options.compression === false ? undefined : (options.compression ?? platformCompression());
  if (
    compression !== undefined &&
    (typeof compression.deflate !== 'function' || typeof compression.inflate !== 'function')
  ) {
    throw new CacheOptionsError('compression must have deflate(bytes, level) and inflate(bytes), or be false');
  }
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new CacheOptionsError('compressionLevel must be an integer from 1 to 9');
  }
  const encryptor = options.encryptor;
  const counters = { count: 0, rawBytes: 0, storedBytes: 0 };

  function header(entry: Entry, keepUntil: Ms | undefined): string {
    let head = writeHeader(entry, keepUntil);
    if (entry.tags && entry.tags.length > 0) head += `,"tags":${JSON.stringify(entry.tags)}`;
    if (entry.etag !== undefined) head += `,"etag":${JSON.stringify(entry.etag)}`;
    if (entry.sensitive) head += ',"s":1';
    return head;
  }

  return {
    canEncrypt: encryptor !== undefined,
    canCompress: compression !== undefined,

    encode(key, entry, keepUntil) {
      const text = serialize(entry.value);
      const size = utf8Length(text);
      const compress = size > threshold && compression !== undefined;
      if (!compress && !entry.sensitive) return `${header(entry, keepUntil)},"data":${text}}`;

      let bytes = utf8Encode(text);
      if (compress) {
        bytes = compression!.deflate(bytes, level);
        counters.count++;
        counters.rawBytes += size;
        counters.storedBytes += bytes.length;
      }
      let extra = compress ? ',"z":1' : '';
      if (entry.sensitive) {
        if (!encryptor) throw new CacheEncryptionKeyMissingError(key);
        const sealed = encryptor.encrypt(bytes, key);
        extra += `,"enc":{"k":${JSON.stringify(sealed.keyId)},"iv":"${toBase64(sealed.iv)}","t":"${toBase64(sealed.tag)}"}`;
        bytes = sealed.data;
      }
      return `${header(entry, keepUntil)}${extra},"data":"${toBase64(bytes)}"}`;
    },

    decode(key, raw) {
      // One JSON.parse of the whole entry: measured faster than scanning the header by hand and
      // parsing only the value (V8 reads the header's numbers faster than JavaScript can).
      let stored: StoredEnvelope;
      try {
        stored = deserialize(raw) as StoredEnvelope;
      } catch (error) {
        throw new CacheCorruptEntryError(`entry "${key}" is not valid JSON`, { cause: error });
      }
      if (
        typeof stored !== 'object' ||
        stored === null ||
        stored.v !== HEADER_VERSION ||
        typeof stored.timestamp !== 'number' ||
        typeof stored.expiresAt !== 'number' ||
        typeof stored.staleUntil !== 'number' ||
        !('data' in stored) ||
        (stored.tags !== undefined &&
          !(Array.isArray(stored.tags) && stored.tags.every((t) => typeof t === 'string'))) ||
        (stored.etag !== undefined && typeof stored.etag !== 'string') ||
        (stored.keep !== undefined && typeof stored.keep !== 'number')
      ) {
        throw new CacheCorruptEntryError(`entry "${key}" does not have the envelope shape`);
      }

      let value: unknown = stored.data;
      if (stored.z === 1 || stored.enc !== undefined) {
        try {
          if (typeof stored.data !== 'string')
            throw new CacheCorruptEntryError(`entry "${key}" data is not base64 text`);
          let bytes = fromBase64(stored.data);
          if (stored.enc !== undefined) {
            const { k, iv, t } = stored.enc;
            if (typeof k !== 'string' || typeof iv !== 'string' || typeof t !== 'string') {
              throw new CacheCorruptEntryError(`entry "${key}" has a malformed encryption header`);
            }
            if (!encryptor) throw new CacheDecryptError(`entry "${key}" is encrypted but no key is configured`);
            bytes = encryptor.decrypt({ keyId: k, iv: fromBase64(iv), tag: fromBase64(t), data: bytes }, key);
          }
          if (stored.z === 1) {
            if (compression === undefined)
              throw new CacheCorruptEntryError(`entry "${key}" is compressed and no compression is configured`);
            bytes = compression.inflate(bytes);
          }
          value = deserialize(utf8Decode(bytes));
        } catch (error) {
          if (error instanceof CacheError) throw error;
          throw new CacheCorruptEntryError(`entry "${key}" has undecodable data`, { cause: error });
        }
      }

      // Built field by field (no conditional spreads): this runs for every entry read from L2.
      const entry: { -readonly [K in keyof Entry]: Entry[K] } = {
        value,
        createdAt: stored.timestamp,
        expiresAt: stored.expiresAt,
        staleUntil: stored.staleUntil,
      };
      if (stored.tags !== undefined) entry.tags = stored.tags as string[];
      if (stored.etag !== undefined) entry.etag = stored.etag;
      if (stored.s === 1) entry.sensitive = true;
      return { entry, keepUntil: stored.keep as Ms | undefined };
    },

    stats() {
      return { ...counters };
    },
  };
}
