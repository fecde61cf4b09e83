/**
 * The web-storage tier: the browser's `localStorage` (or any `Storage`) as a synchronous, shared
 * tier, kept readable in the original dashboard's shape:
 *
 *   localStorage['cache:teams'] = '{"v":1,"timestamp":…,"expiresAt":…,"staleUntil":…,"keep":…,"data":[…]}'
 *
 *   const memory = memoryTier({ ttl: hours(4) });
 *   const storage = webStorageTier();                       // localStorage, 3 days, `cache:`
 *   const cache = createCache({ tiers: [memory, storage], ttl: days(3) });
 *   linkTabs(storage, [memory], notifyExternalChange);      // another tab wrote: drop our memory copy
 *
 * What it does when the browser does not cooperate — never throwing into the cache:
 * - Sensitive entries are refused (`E_CACHE_SENSITIVE_REFUSED`): the cache counts the refusal and
 *   keeps them in the memory tier only. Nothing sensitive is ever written to disk in the clear.
 * - Quota exceeded on a write: our expired entries go first, then our oldest (by `timestamp`)
 *   until the new entry's size is freed, and the write is retried once. If that fails too the
 *   entry is dropped (`quotaFailures`). Keys without our prefix are never read or touched.
 * - Storage missing or throwing on access (private mode, disabled, `SecurityError`): the tier
 *   becomes a no-op that misses (`available` is false, `storageErrors` counts why), and the cache
 *   serves from memory.
 * - An entry that cannot be decoded (corrupt JSON, an old seed-format entry, a foreign writer) is
 *   removed and counted (`corrupt`).
 *
 * Stats: `entries` and `bytes` (`(key.length + value.length) × 2`, UTF-16 as browsers count) are
 * computed by one scan of our keys at the first `stats()` call, then maintained incrementally on
 * every write, delete and cross-tab `storage` event. Writes made to our keys behind the tier's
 * back in this same tab are not seen until `recount()`.
 */
import { systemClock } from '../clock.ts';
import { createEntryCodec } from '../codec/entry-codec.ts';
import { readHeader } from '../codec/header.ts';
import { CacheEntryTooLargeError, CacheError, CacheOptionsError, CacheSensitiveRefusedError } from '../errors.ts';
import type { Clock, Entry, EntryCodec, Ms, SyncTier, TierContext, TierSetItem, TierStats } from '../types.ts';
import { checkDuration, checkInt } from '../validate.ts';
import { capEntry, decodeStored } from './memory.ts';
import {
  bytesOf,
  estimateStorage,
  StorageAccess,
  type StorageEstimateReport,
  type StorageLike,
} from './web-storage-access.ts';
import { type EvictionHost, type Header, makeRoom } from './web-storage-eviction.ts';
import { canPack, isPacked, pack, unpack } from './web-storage-packing.ts';

export {
  estimateStorage,
  isQuotaError,
  type StorageEstimateReport,
  type StorageLike,
} from './web-storage-access.ts';

/** Where `storage` events come from (the `window`). */
export type StorageEventSource = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

/** Called with the cache key another tab changed, or `undefined` when it cleared all storage. */
export type ExternalChangeListener = (key: string | undefined) => void;

/** Web-storage tier options. Every default is here. */
export interface WebStorageTierOptions {
  /**
   * The storage, or a function returning it (called once, inside a try: reading
   * `window.localStorage` throws `SecurityError` when storage is disabled).
   * @default () => globalThis.localStorage
   */
  storage?: StorageLike | (() => StorageLike | null | undefined);
  /**
   * Prepended to every key in storage. Only keys with this prefix are ever read or removed.
   * @default 'cache:'
   */
  prefix?: string;
  /**
   * Name in stats and events.
   * @default 'web-storage'
   */
  name?: string;
  /**
   * The longest this tier keeps an entry (ms).
   * @default 259_200_000 (3 days)
   */
  ttl?: Ms;
  /**
   * Largest single entry, `(key + value) × 2` bytes. A larger one is refused with
   * `E_CACHE_ENTRY_TOO_LARGE` before anything is evicted for it (a browser gives ~5 MiB in all).
   * @default 1_048_576 (1 MiB)
   */
  maxEntrySize?: number;
  /** Called when another tab changed or removed one of our keys. Also settable as a property. */
  onExternalChange?: ExternalChangeListener;
  /**
   * Where to listen for cross-tab `storage` events; `null` disables listening.
   * @default globalThis.window, when it exists
   */
  window?: StorageEventSource | null;
  /**
   * Stored entries longer than this many characters are compressed (raw DEFLATE through the
   * platform's `CompressionStream`, a moment after the write) when the cache's codec does not
   * compress itself, as in browsers. `Infinity` never compresses.
   * @default 4_096
   */
  compressAbove?: number;
}

/** Tier stats plus what is particular to browser storage. */
export interface WebStorageTierStats extends TierStats {
  /** Writes dropped because the quota was still exceeded after evicting. */
  quotaFailures: number;
  /** Storage accesses that threw something other than a quota error (the tier then stops). */
  storageErrors: number;
  /** Whether the storage is usable. */
  available: boolean;
}

/** The tier's default TTL: 3 days, how long the dashboard's localStorage entries have always lived. */
export const WEB_STORAGE_DEFAULT_TTL: Ms = 259_200_000;

/** The web-storage tier class; create it with {@link webStorageTier}. */
export class WebStorageTier implements SyncTier {
  readonly sync = true as const;
  readonly shared = true;
  readonly refusesSensitive = true;
  readonly name: string;
  readonly ttl: Ms;
  readonly prefix: string;
  /** See {@link WebStorageTierOptions.onExternalChange}. */
  onExternalChange: ExternalChangeListener | undefined;
  readonly #store: StorageAccess;
  readonly #maxEntrySize: number;
  readonly #events: StorageEventSource | undefined;
  #clock: Clock = systemClock;
  #codec: EntryCodec | undefined;
  #evictions = 0;
  #evicted: ((key: string) => void) | undefined;
  #corrupt = 0;
  #quotaFailures = 0;
  readonly #compressAbove: number;
  /** Packed entries unpacked in the background, by storage key; `undefined` when not packing. */
  #unpacked: Map<string, { readonly packed: string; readonly plain: string }> | undefined;
  #warm: Promise<void> = Promise.resolve();

  constructor(options: WebStorageTierOptions = {}) {
    checkDuration('web-storage tier ttl', options.ttl);
    checkInt('maxEntrySize', options.maxEntrySize, 1);
    checkDuration('compressAbove', options.compressAbove, { allowZero: true });
    this.#compressAbove = options.compressAbove ?? 4_096;
    const prefix = options.prefix ?? 'cache:';
    if (typeof prefix !== 'string' || prefix.length === 0) {
      throw new CacheOptionsError('prefix must be a non-empty string, so other keys in storage are left alone');
    }
    if (options.storage !== undefined && typeof options.storage !== 'function' && typeof options.storage !== 'object') {
      throw new CacheOptionsError('storage must be a Storage or a function returning one');
    }
    this.name = options.name ?? 'web-storage';
    this.ttl = options.ttl ?? WEB_STORAGE_DEFAULT_TTL;
    this.prefix = prefix;
    this.#maxEntrySize = options.maxEntrySize ?? 1_048_576;
    this.onExternalChange = options.onExternalChange;
    this.#store = new StorageAccess(prefix, options.storage, () => this.close());
    const events =
      options.window === undefined
        ? (globalThis as { window?: StorageEventSource }).window
        : (options.window ?? undefined);
    if (this.#store.storage !== undefined && typeof events?.addEventListener === 'function') {
      this.#events = events;
      events.addEventListener('storage', this.#onStorageEvent);
    }
  }

  /** What eviction (`web-storage-eviction.ts`) uses of the tier. */
  readonly #host: EvictionHost = {
    remove: (storageKey: string) => this.#remove(storageKey),
    header: (storageKey: string, raw: string) => this.#header(storageKey, raw),
    // Counts an entry removed to make room, and tells the cache whose key it was.
    evict: (storageKey: string) => {
      this.#evictions++;
      this.#evicted?.(storageKey.slice(this.prefix.length));
    },
  };

  /** Whether the storage is usable; false once it has thrown on access (the tier then misses). */
  get available(): boolean {
    return this.#store.storage !== undefined;
  }

  /** Receives the cache's clock and codec; starts unpacking our packed entries if we pack. */
  attach(context: TierContext): void {
    this.#clock = context.clock;
    this.#codec = context.codec;
    this.#evicted = context.evicted;
    if (context.codec.canCompress || !(this.#compressAbove < Number.POSITIVE_INFINITY) || !canPack()) return;
    this.#unpacked = new Map();
    this.#warm = Promise.all(this.#store.ownKeys().map((storageKey) => this.#unpackLater(storageKey))).then(() => {});
  }

  /** Resolves once the packed entries found at start are readable (at once when not packing). */
  ready(): Promise<void> {
    return this.#warm;
  }

  get(key: string): Entry | undefined {
    const storageKey = this.prefix + key;
    let raw: string | undefined | null = this.#store.read(storageKey);
    if (raw !== null && this.#unpacked !== undefined && isPacked(raw)) raw = this.#plain(storageKey, raw);
    if (raw == null) return undefined;
    let entry: Entry;
    try {
      entry = decodeStored(this.#codecOrDefault(), key, raw);
    } catch {
      // A storage error never reaches the caller: drop the entry and count it.
      this.#corrupt++;
      this.#remove(storageKey);
      return undefined;
    }
    if (entry.staleUntil <= this.#clock.now()) {
      this.#remove(storageKey);
      return undefined;
    }
    return entry;
  }

  getMany(keys: readonly string[]): (Entry | undefined)[] {
    return keys.map((key) => this.get(key));
  }

  /**
   * Stores the entry for `ttl` ms. Throws `E_CACHE_SENSITIVE_REFUSED` for a sensitive entry and
   * `E_CACHE_ENTRY_TOO_LARGE` above `maxEntrySize` (the cache counts both as refusals); storage
   * failures (quota, disabled storage) are handled here and never thrown.
   */
  set(key: string, entry: Entry, ttl: Ms): void {
    if (entry.sensitive) throw new CacheSensitiveRefusedError(key, this.name);
    if (this.#store.storage === undefined) return;
    const keepUntil = this.#clock.now() + ttl;
    const raw = this.#codecOrDefault().encode(key, capEntry(entry, keepUntil), keepUntil);
    const storageKey = this.prefix + key;
    const size = bytesOf(storageKey, raw);
    if (size > this.#maxEntrySize) throw new CacheEntryTooLargeError(key, size, this.#maxEntrySize, this.name);
    this.#write(storageKey, raw, size);
    if (this.#unpacked !== undefined && raw.length > this.#compressAbove) void this.#packLater(storageKey, raw);
  }

  setMany(items: readonly TierSetItem[]): void {
    // One refused item must not stop the others; the first refusal is thrown at the end.
    let refused: unknown;
    for (const item of items) {
      try {
        this.set(item.key, item.entry, item.ttl);
      } catch (error) {
        if (!(error instanceof CacheError)) throw error;
        refused ??= error;
      }
    }
    if (refused !== undefined) throw refused;
  }

  delete(key: string): boolean {
    const storageKey = this.prefix + key;
    if (this.#store.read(storageKey) === null) return false;
    this.#remove(storageKey);
    return true;
  }

  deleteMany(keys: readonly string[]): number {
    let deleted = 0;
    for (const key of keys) if (this.delete(key)) deleted++;
    return deleted;
  }

  /** Removes our keys starting with `prefix` (all of ours without one); never anyone else's. */
  clear(prefix?: string): number {
    const start = this.prefix + (prefix ?? '');
    let removed = 0;
    for (const storageKey of this.#store.ownKeys()) {
      if (!storageKey.startsWith(start)) continue;
      this.#remove(storageKey);
      removed++;
    }
    return removed;
  }

  /** Live keys (without our prefix). Reads each entry's header only; drops corrupt ones. */
  keys(prefix?: string): string[] {
    const start = this.prefix + (prefix ?? '');
    const now = this.#clock.now();
    const out: string[] = [];
    for (const storageKey of this.#store.ownKeys()) {
      if (!storageKey.startsWith(start)) continue;
      const raw = this.#store.read(storageKey);
      if (raw === null) continue;
      const header = this.#header(storageKey, raw);
      if (header !== undefined && header.until > now) out.push(storageKey.slice(this.prefix.length));
    }
    return out;
  }

  /** Removes our expired and corrupt entries. O(our entries); run by the cache's sweep timer. */
  prune(): number {
    const now = this.#clock.now();
    let removed = 0;
    for (const storageKey of this.#store.ownKeys()) {
      const raw = this.#store.read(storageKey);
      if (raw === null) continue;
      const header = this.#header(storageKey, raw);
      if (header === undefined) {
        removed++; // corrupt, already removed by #header
      } else if (header.until <= now) {
        this.#remove(storageKey);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Counters. `entries` and `bytes` come from one scan at the first call, kept up to date
   * incrementally after that; call it from a monitor, not on a hot path.
   */
  stats(): WebStorageTierStats {
    const sizes = this.#store.index();
    return {
      entries: sizes?.size ?? 0,
      bytes: sizes === undefined ? 0 : this.#store.bytes,
      evictions: this.#evictions,
      corrupt: this.#corrupt,
      quotaFailures: this.#quotaFailures,
      storageErrors: this.#store.errors,
      available: this.available,
      ...(this.#codec && { compressed: this.#codec.stats() }),
    };
  }

  /** Forgets the byte accounting so the next `stats()` scans our keys again. */
  recount(): void {
    this.#store.sizes = undefined;
  }

  /** The browser's usage and quota for the whole origin, where `navigator.storage` exists. */
  estimate(): Promise<StorageEstimateReport | undefined> {
    return estimateStorage();
  }

  /** Stops listening for cross-tab events. */
  close(): void {
    this.#events?.removeEventListener('storage', this.#onStorageEvent);
  }

  // --- internals: every storage access goes through the store (`web-storage-access.ts`) -------

  #remove(storageKey: string): void {
    this.#unpacked?.delete(storageKey);
    this.#store.remove(storageKey);
  }

  /** Writes, making room once on quota; at most two `setItem` calls per entry. */
  #write(storageKey: string, raw: string, size: number): void {
    if (this.#store.attempt(storageKey, raw, size) !== 'quota') return;
    makeRoom(this.#store, this.#host, storageKey, size, this.#clock.now());
    // On a second quota error the entry is dropped: our old copy of this key was removed while
    // making room, so no stale value remains.
    if (this.#store.attempt(storageKey, raw, size) === 'quota') this.#quotaFailures++;
  }

  /**
   * The timestamp and end of life of a stored entry, read from its header (`codec/header.ts`); an unusual but valid entry falls back to a full decode. Removes and counts a corrupt one.
   */
  #header(storageKey: string, raw: string): Header | undefined {
    const head = readHeader(raw);
    if (head !== undefined) {
      return { timestamp: head.timestamp, until: Math.min(head.staleUntil, head.keep ?? Number.POSITIVE_INFINITY) };
    }
    try {
      const { entry, keepUntil } = this.#codecOrDefault().decode(storageKey.slice(this.prefix.length), raw);
      return { timestamp: entry.createdAt, until: Math.min(entry.staleUntil, keepUntil ?? Number.POSITIVE_INFINITY) };
    } catch {
      this.#corrupt++;
      this.#remove(storageKey);
      return undefined;
    }
  }

  readonly #onStorageEvent = (event: Event): void => {
    const { key, newValue, storageArea } = event as StorageEvent;
    // Events of another storage area (sessionStorage, or a storage we do not use) are not ours.
    const store = this.#store;
    if (store.storage === undefined || (storageArea != null && storageArea !== store.storage)) return;
    if (key === null) {
      store.sizes = undefined; // another tab called clear(): recount on the next stats()
      this.onExternalChange?.(undefined);
      return;
    }
    if (!key.startsWith(this.prefix) || key === store.probeKey) return;
    store.account(key, newValue === null ? undefined : bytesOf(key, newValue));
    this.onExternalChange?.(key.slice(this.prefix.length));
  };

  /** The clear form of a packed entry, if unpacked already; else starts unpacking it (a miss now). */
  #plain(storageKey: string, packed: string): string | undefined {
    const known = this.#unpacked!.get(storageKey);
    if (known?.packed === packed) return known.plain;
    void this.#unpackLater(storageKey);
    return undefined;
  }

  async #unpackLater(storageKey: string): Promise<void> {
    const packed = this.#store.read(storageKey);
    if (packed === null || !isPacked(packed)) return;
    try {
      const plain = await unpack(packed);
      if (this.#store.read(storageKey) === packed) this.#unpacked?.set(storageKey, { packed, plain });
    } catch {
      if (this.#store.read(storageKey) !== packed) return;
      this.#corrupt++;
      this.#remove(storageKey);
    }
  }

  /** Replaces a large entry just written in clear by its packed form, unless it changed meanwhile. */
  async #packLater(storageKey: string, plain: string): Promise<void> {
    const packed = await pack(plain).catch(() => undefined);
    if (packed === undefined || this.#store.read(storageKey) !== plain) return;
    this.#write(storageKey, packed, bytesOf(storageKey, packed));
    if (this.#store.read(storageKey) === packed) this.#unpacked?.set(storageKey, { packed, plain });
  }

  #codecOrDefault(): EntryCodec {
    this.#codec ??= createEntryCodec();
    return this.#codec;
  }
}

/** Creates a web-storage tier. Options are validated here. */
export function webStorageTier(options: WebStorageTierOptions = {}): WebStorageTier {
  return new WebStorageTier(options);
}

/**
 * Keeps other tabs' writes visible: when another tab changes or removes one of our keys, the
 * `local` tiers (the memory tier in front) drop their copy, so the next read finds the new value
 * in storage; then `onChange` runs (e.g. `notifyExternalChange` from `adapters/react` to
 * re-render hooks). Returns the function that unlinks.
 */
export function linkTabs(
  storage: WebStorageTier,
  local: readonly SyncTier[],
  onChange?: ExternalChangeListener,
): () => void {
  const previous = storage.onExternalChange;
  const listener: ExternalChangeListener = (key) => {
    for (const tier of local) {
      if (key === undefined) tier.clear();
      else tier.delete(key);
    }
    onChange?.(key);
  };
  storage.onExternalChange = listener;
  return () => {
    if (storage.onExternalChange === listener) storage.onExternalChange = previous;
  };
}
