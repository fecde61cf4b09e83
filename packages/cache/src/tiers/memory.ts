/**
 * The memory tier: an LRU (`lru.ts`) bounded by entries and by bytes.
 *
 * By default it keeps the entry object itself, with its value deep-frozen, so a hit costs one
 * map lookup and no parsing or copying. With `serialize: true` it keeps the encoded string
 * instead (each read returns a fresh copy, and byte accounting is exact).
 *
 * Expiry: the tier stores an entry whose `expiresAt`/`staleUntil` are capped at the time the
 * tier should forget it, so the cache's single clock check on read covers the tier TTL too.
 * The LRU has no TTL machinery of its own; `prune()` sweeps expired entries.
 */
import { systemClock } from '../clock.ts';
import { createEntryCodec } from '../codec/entry-codec.ts';
import { CacheEntryTooLargeError, CacheOptionsError } from '../errors.ts';
import { estimateSize, estimateSizeAndFreeze } from '../size.ts';
import type { Clock, Entry, EntryCodec, Ms, SyncTier, TierContext, TierSetItem, TierStats } from '../types.ts';
import { checkDuration, checkInt } from '../validate.ts';
import { Lru } from './lru.ts';

/** Memory tier options. Every default is here. */
export interface MemoryTierOptions {
  /**
   * Name in stats and events.
   * @default 'memory'
   */
  name?: string;
  /** The longest this tier keeps an entry (ms). Unset: the entry's own TTL. */
  ttl?: Ms;
  /**
   * Most entries held; the least recently used is evicted past it.
   * @default 10_000
   */
  maxEntries?: number;
  /**
   * Most bytes held (as measured by `sizeOf`, or exactly when `serialize`).
   * @default 64 MiB
   */
  maxBytes?: number;
  /**
   * Largest single entry, in bytes. A larger value is refused with `E_CACHE_ENTRY_TOO_LARGE`.
   * @default 1/8 of maxBytes
   */
  maxEntrySize?: number;
  /**
   * Keep encoded strings instead of objects (copies on read, exact bytes, same codec as L2).
   * @default false
   */
  serialize?: boolean;
  /**
   * Deep-freeze stored values so a caller cannot corrupt the cache through a returned reference.
   * Ignored when `serialize` (every read is a copy). Maps and Sets cannot be frozen by JavaScript.
   * @default true
   */
  freeze?: boolean;
  /** Estimates a value's size in bytes when not serializing. Default: a structural estimate. */
  sizeOf?: (value: unknown) => number;
}

type Stored = Entry | string;

/** Deep-freezes plain objects and arrays in place; returns the value. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value)) return value; // typed arrays cannot be frozen
  Object.freeze(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
  } else if (value instanceof Set) {
    for (const v of value) deepFreeze(v);
  } else {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Returns the entry as this tier should hold it: its times capped at `keepUntil`. */
export function capEntry(entry: Entry, keepUntil: Ms): Entry {
  if (entry.staleUntil <= keepUntil) return entry;
  return {
    ...entry,
    expiresAt: Math.min(entry.expiresAt, keepUntil),
    staleUntil: keepUntil,
  };
}

/**
 * Decodes a stored string and caps the entry at the tier expiry stored with it. Throws what the
 * codec throws; each tier catches, drops and counts in its own way.
 */
export function decodeStored(codec: EntryCodec, key: string, raw: string): Entry {
  const { entry, keepUntil } = codec.decode(key, raw);
  return keepUntil === undefined ? entry : capEntry(entry, keepUntil);
}

/** The memory tier class; create it with {@link memoryTier}. */
export class MemoryTier implements SyncTier {
  readonly sync = true as const;
  readonly shared = false;
  readonly name: string;
  readonly ttl: Ms | undefined;
  /** `maxEntries`: a batch read promotes no more than this many hits here. */
  readonly capacity: number;
  readonly #lru: Lru<Stored>;
  readonly #serialize: boolean;
  readonly #freeze: boolean;
  readonly #sizeOf: (value: unknown) => number;
  readonly #maxEntrySize: number;
  #clock: Clock = systemClock;
  #codec: EntryCodec | undefined;
  #evictions = 0;
  #corrupt = 0;
  #evicted: ((key: string) => void) | undefined;

  constructor(options: MemoryTierOptions = {}) {
    checkDuration('memory tier ttl', options.ttl);
    checkInt('maxEntries', options.maxEntries, 1);
    checkInt('maxBytes', options.maxBytes, 1);
    checkInt('maxEntrySize', options.maxEntrySize, 1);
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    const maxEntrySize = options.maxEntrySize ?? Math.max(1, Math.floor(maxBytes / 8));
    if (maxEntrySize > maxBytes) throw new CacheOptionsError('maxEntrySize must not exceed maxBytes');
    this.name = options.name ?? 'memory';
    this.ttl = options.ttl;
    this.#serialize = options.serialize ?? false;
    this.#freeze = options.freeze ?? true;
    this.#sizeOf = options.sizeOf ?? estimateSize;
    this.#maxEntrySize = maxEntrySize;
    this.capacity = options.maxEntries ?? 10_000;
    this.#lru = new Lru<Stored>(this.capacity, maxBytes, (key) => {
      this.#evictions++;
      this.#evicted?.(key);
    });
  }

  /** Receives the cache's clock and codec. */
  attach(context: TierContext): void {
    this.#clock = context.clock;
    this.#codec = context.codec;
    this.#evicted = context.evicted;
  }

  get(key: string): Entry | undefined {
    const stored = this.#lru.get(key);
    if (stored === undefined || typeof stored !== 'string') return stored;
    return this.#decode(key, stored);
  }

  getMany(keys: readonly string[]): (Entry | undefined)[] {
    return keys.map((key) => this.get(key));
  }

  set(key: string, entry: Entry, ttl: Ms): void {
    const capped = capEntry(entry, this.#clock.now() + ttl);
    let stored: Stored;
    let size: number;
    if (this.#serialize) {
      // Encrypt sensitive entries when a key is configured; without one, process memory (not
      // shared) may hold them in the clear rather than refusing them.
      const codec = this.#codecOrDefault();
      stored = codec.encode(key, capped.sensitive && !codec.canEncrypt ? { ...capped, sensitive: false } : capped);
      size = stored.length * 2;
    } else {
      stored = capped;
      if (this.#freeze && this.#sizeOf === estimateSize) size = estimateSizeAndFreeze(capped.value) + key.length * 2;
      else {
        if (this.#freeze) deepFreeze(capped.value);
        size = this.#sizeOf(capped.value) + key.length * 2;
      }
    }
    if (size > this.#maxEntrySize) throw new CacheEntryTooLargeError(key, size, this.#maxEntrySize, this.name);
    this.#lru.set(key, stored, Math.max(1, size));
  }

  setMany(items: readonly TierSetItem[]): void {
    for (const item of items) this.set(item.key, item.entry, item.ttl);
  }

  delete(key: string): boolean {
    return this.#lru.delete(key);
  }

  deleteMany(keys: readonly string[]): number {
    let deleted = 0;
    for (const key of keys) if (this.#lru.delete(key)) deleted++;
    return deleted;
  }

  clear(prefix?: string): number {
    if (!prefix) {
      const count = this.#lru.size;
      this.#lru.clear();
      return count;
    }
    let deleted = 0;
    for (const key of this.#lru.keys()) {
      if (key.startsWith(prefix) && this.#lru.delete(key)) deleted++;
    }
    return deleted;
  }

  keys(prefix?: string): string[] {
    const now = this.#clock.now();
    const out: string[] = [];
    for (const [key, stored] of this.#lru.entries()) {
      if (prefix && !key.startsWith(prefix)) continue;
      // keys() is an administrative call: decoding a serialized entry here is acceptable.
      const entry = typeof stored === 'string' ? this.#decode(key, stored) : stored;
      if (entry !== undefined && entry.staleUntil > now) out.push(key);
    }
    return out;
  }

  /**
   * Every entry held (expired ones too, until pruned) with the bytes this tier counts it for
   * against `maxSize`: they add up to `stats().bytes`. Administrative: O(entries).
   */
  entrySizes(prefix?: string): [string, number][] {
    const all = this.#lru.sizes();
    return prefix ? all.filter(([key]) => key.startsWith(prefix)) : all;
  }

  /** Removes entries past their `staleUntil`. O(entries); run by the cache's sweep timer. */
  prune(): number {
    const now = this.#clock.now();
    let removed = 0;
    for (const [key, stored] of this.#lru.entries()) {
      const entry = typeof stored === 'string' ? this.#decode(key, stored) : stored;
      if (entry === undefined) {
        removed++; // a corrupt one, already dropped by #decode
      } else if (entry.staleUntil <= now) {
        this.#lru.delete(key);
        removed++;
      }
    }
    return removed;
  }

  stats(): TierStats {
    const stats: TierStats = {
      entries: this.#lru.size,
      bytes: this.#lru.totalSize,
      evictions: this.#evictions,
      corrupt: this.#corrupt,
    };
    if (this.#serialize && this.#codec) stats.compressed = this.#codec.stats();
    return stats;
  }

  /** Test access to the stored form: the encoded string (serializing) or the entry object. */
  peekRaw(key: string): Stored | undefined {
    return this.#lru.peek(key);
  }

  /** Test access: stores a raw string as if it had been written (to simulate corruption). */
  pokeRaw(key: string, raw: string): void {
    this.#lru.set(key, raw, Math.max(1, raw.length * 2));
  }

  #decode(key: string, raw: string): Entry | undefined {
    try {
      return this.#codecOrDefault().decode(key, raw).entry;
    } catch {
      // A storage error never reaches the caller: drop the entry and count it.
      this.#lru.delete(key);
      this.#corrupt++;
      return undefined;
    }
  }

  #codecOrDefault(): EntryCodec {
    this.#codec ??= createEntryCodec();
    return this.#codec;
  }
}

/** Creates a memory tier. */
export function memoryTier(options: MemoryTierOptions = {}): MemoryTier {
  return new MemoryTier(options);
}
