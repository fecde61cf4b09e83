/**
 * The contracts every part of the library agrees on: the entry envelope, the tier interface,
 * the clock and the invalidation bus. Tiers, adapters and tests depend on this file only.
 */

/** Milliseconds, as a duration or as an epoch timestamp. */
export type Ms = number;

/** Returns a value now or later. Synchronous tiers return plain values. */
export type MaybePromise<T> = T | Promise<T>;

/** The source of time. Injected everywhere a TTL is computed; tests pass a fake one. */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin shared by all users of this clock). */
  now(): Ms;
  /**
   * Calls `fn` once `ms` of this clock's time have passed; returns the function that cancels it.
   * Optional: without it the cache's own timeouts (soft and hard) run on real timers.
   */
  schedule?(ms: Ms, fn: () => void): () => void;
}

/**
 * One cached value and what the cache knows about it. The same envelope travels through every
 * tier; shared tiers serialize it with the codec, the memory tier keeps the object itself.
 */
export interface Entry<V = unknown> {
  /** The cached value. Frozen when it lives in a memory tier. */
  readonly value: V;
  /** When the value was produced (a monotonic stamp; compared with tag invalidations). */
  readonly createdAt: Ms;
  /** Fresh until this time; stale (but still servable as grace) after it. */
  readonly expiresAt: Ms;
  /** Kept until this time; `>= expiresAt`. Equal to `expiresAt` when there is no grace. */
  readonly staleUntil: Ms;
  /** Tags for group invalidation (`team:12`, `table:teams`). */
  readonly tags?: readonly string[];
  /** An entity tag for HTTP revalidation. */
  readonly etag?: string;
  /** Encrypted in shared tiers, refused by browser storage. */
  readonly sensitive?: boolean;
}

/** One write of a batch: the key, the envelope and how long this tier should keep it. */
export interface TierSetItem {
  readonly key: string;
  readonly entry: Entry;
  /** How long this tier keeps the entry, already capped by the tier's own TTL. */
  readonly ttl: Ms;
}

/** What a tier reports about itself. Counters are read, never computed by scanning. */
export interface TierStats {
  /** Entries currently held (may include expired ones not yet swept). */
  entries: number;
  /** Bytes currently held, as the tier measures them (`undefined` when unknown). */
  bytes: number | undefined;
  /** Entries removed to make room (LRU, quota). */
  evictions: number;
  /** Stored entries that could not be decoded and were dropped. */
  corrupt: number;
  /** Values compressed on write, and the bytes before and after. */
  compressed?: { count: number; rawBytes: number; storedBytes: number };
}

/** What the cache hands a tier when the tier joins it. */
export interface TierContext {
  readonly clock: Clock;
  /** Encodes/decodes entries for tiers that store bytes (shared tiers, serializing memory). */
  readonly codec: EntryCodec;
  /** Call when an entry is evicted to make room (LRU, quota), for per-family eviction counts. */
  readonly evicted?: ((key: string) => void) | undefined;
}

/** An entry read back from storage, with the tier expiry stored beside it. */
export interface DecodedEntry {
  readonly entry: Entry;
  readonly keepUntil: Ms | undefined;
}

/** Turns envelopes into storable strings and back. See `codec/entry-codec.ts`. */
export interface EntryCodec {
  /**
   * Serializes (compresses above the threshold, encrypts when `entry.sensitive`). `keepUntil`
   * is the tier's own expiry, stored so a tier can check it against the injected clock.
   * Throws `CacheUnserializableError` or `CacheEncryptionKeyMissingError`.
   */
  encode(key: string, entry: Entry, keepUntil?: Ms): string;
  /**
   * Reverses `encode`; `key` must be the one it was encoded under (it authenticates encrypted
   * entries). Throws `CacheCorruptEntryError` / `CacheDecryptError`; tiers catch them.
   */
  decode(key: string, raw: string): DecodedEntry;
  /** Whether sensitive entries can be written (an encryption key is configured). */
  readonly canEncrypt: boolean;
  /** Whether `encode` compresses large values itself (Node's zlib, or a compressor passed in). */
  readonly canCompress?: boolean;
  /** Compression counters, for tier stats. */
  stats(): { count: number; rawBytes: number; storedBytes: number };
}

interface TierBase {
  /** A short name used in stats, events and errors (`memory`, `redis`, `postgres`). */
  readonly name: string;
  /** The longest this tier keeps any entry; `undefined` means only the entry's own TTL applies. */
  readonly ttl: Ms | undefined;
  /**
   * Whether other processes or people can read this tier (Redis, Postgres, browser storage).
   * The cache encrypts sensitive entries for shared tiers.
   */
  readonly shared: boolean;
  /**
   * Whether the tier refuses sensitive entries outright (browser storage) instead of storing
   * them encrypted. The cache then keeps such entries in the other tiers only.
   */
  readonly refusesSensitive?: boolean;
  /**
   * The most entries the tier holds, when it has such a bound. A batch read promotes no more
   * than this many hits into the tier (the earlier ones would be evicted by the later ones).
   */
  readonly capacity?: number;
  /** Called once by the cache before first use. */
  attach?(context: TierContext): void;
  /** Tier-intrinsic counters (entries, bytes, evictions, corrupt). */
  stats(): TierStats;
}

/** A tier whose every operation completes synchronously (memory, browser storage). */
export interface SyncTier extends TierBase {
  readonly sync: true;
  get(key: string): Entry | undefined;
  getMany(keys: readonly string[]): (Entry | undefined)[];
  set(key: string, entry: Entry, ttl: Ms): void;
  setMany(items: readonly TierSetItem[]): void;
  delete(key: string): boolean;
  deleteMany(keys: readonly string[]): number;
  /** Removes every entry whose key starts with `prefix` (all entries without one); returns how many. */
  clear(prefix?: string): number;
  keys(prefix?: string): string[];
  /** Removes expired entries; returns how many. */
  prune?(): number;
  close?(): void;
}

/** The guard of an asynchronous tier: `remoteGuard` from `@agiletrack/cache/contracts`. */
export type RemoteGuard = abstract new (...args: never[]) => object;

/** A tier reached over a connection (Redis, Postgres). Every batch call is one round trip. */
export interface AsyncTier extends TierBase {
  readonly sync: false;
  /**
   * What the cache wraps this tier's calls in: a deadline, a circuit breaker and the repair of
   * writes that failed. Set it to `remoteGuard` from `@agiletrack/cache/contracts`. The tier
   * brings it so that a build with synchronous tiers only (a browser) leaves that code out.
   */
  readonly guard: RemoteGuard;
  get(key: string): Promise<Entry | undefined>;
  getMany(keys: readonly string[]): Promise<(Entry | undefined)[]>;
  set(key: string, entry: Entry, ttl: Ms): Promise<void>;
  setMany(items: readonly TierSetItem[]): Promise<void>;
  delete(key: string): Promise<boolean>;
  deleteMany(keys: readonly string[]): Promise<number>;
  clear(prefix?: string): Promise<number>;
  keys(prefix?: string): Promise<string[]>;
  prune?(): Promise<number>;
  close?(): Promise<void>;
  /**
   * Deletes `keys` and leaves a fence at stamp `at` for `ttl` ms (see `tiers/fence.ts`).
   * Optional: tiers without it are deleted from plainly.
   */
  fence?(keys: readonly string[], at: Ms, ttl: Ms): Promise<void>;
  /** Writes unless a fence at or after `entry.createdAt` stands; resolves whether it wrote. */
  setFenced?(key: string, entry: Entry, ttl: Ms): Promise<boolean>;
}

/** Any tier. Discriminated by `sync`. */
export type Tier = SyncTier | AsyncTier;

/**
 * A message on the invalidation bus. Carries keys, prefixes and tags, never values, so a
 * compromised subscriber learns nothing about cached data.
 */
export type BusMessage =
  | {
      readonly type: 'delete';
      readonly keys: readonly string[];
      /** The sender's invalidation stamp (what the shared-tier fence carries). */
      readonly at?: Ms;
      /** The sender could not delete the keys from its shared tiers: each receiver does it. */
      readonly repair?: true;
    }
  | {
      readonly type: 'clear';
      readonly prefix: string;
      /** The sender could not clear its shared tiers: each receiver does it. */
      readonly repair?: true;
    }
  | { readonly type: 'tags'; readonly tags: readonly string[]; readonly at: Ms }
  | { readonly type: 'set'; readonly keys: readonly string[] };

/** What a bus calls back into the cache. */
export interface BusHandlers {
  onMessage(message: BusMessage): void;
  onGap(): void;
  onHealth?(healthy: boolean): void;
}

/** Carries invalidations between cache instances (Redis pub/sub in `bus/`). */
export interface InvalidationBus {
  /** Sends a message to every other instance. Resolves once handed to the transport. */
  publish(message: BusMessage): Promise<void>;
  /**
   * Registers the receiver. `onGap` is called when messages may have been lost (a reconnect):
   * the cache then drops its local entries written before the gap. `onHealth(false)` says the
   * bus may be missing messages right now (connection lost, heartbeat late): the cache then
   * stops trusting its local copies until `onHealth(true)`, which follows the gap report.
   */
  subscribe(handlers: BusHandlers): Promise<void>;
  /** Whether messages are being received now. Optional: a bus without it is taken as healthy. */
  readonly healthy?: boolean;
  /**
   * Resolves once the subscription is live (at once when it already is); rejects if the bus is
   * closed. Optional: a bus without it is taken as live when `subscribe` resolves.
   */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A lock shared by processes (Redis `SET NX PX`), so that N processes missing the same key make
 * one factory call. Used by `getOrSet` when the cache has a lock and the call asks for it.
 */
export interface DistributedLock {
  /**
   * Tries once to take the lock on `key` for at most `ttl` ms. Resolves to a release function,
   * or `undefined` when another holder has it. Never waits for the holder.
   */
  acquire(key: string, ttl: Ms): Promise<(() => Promise<void>) | undefined>;
  /**
   * Resolves when the lock on `key` is released (the holder wrote the value) or after `timeout`
   * ms, whichever comes first. Resolves `true` when released, `false` on timeout, and `false` as
   * soon as the lock service cannot tell in time (then the waiter loads without the lock).
   */
  waitForRelease(key: string, timeout: Ms): Promise<boolean>;
  close?(): Promise<void>;
}

/**
 * Where tag invalidation times live. The in-process default is a Map; a shared store (Redis)
 * makes tag invalidations visible to every instance. Reads must be synchronous and cheap because
 * they run on every L1 hit of a tagged entry.
 */
export interface TagStore {
  /** The last invalidation stamp of `tag`, or `undefined` if never invalidated. */
  invalidatedAt(tag: string): Ms | undefined;
  /** Records an invalidation made by this instance at `at`, and persists it where shared. */
  invalidate(tags: readonly string[], at: Ms): MaybePromise<void>;
  /** Records an invalidation another instance made (received on the bus); persists nothing. */
  remember(tags: readonly string[], at: Ms): void;
  /** Reloads every invalidation time from the shared store (after a bus gap). */
  refresh?(): Promise<void>;
  /**
   * Forgets invalidations older than `before` (locally and in the shared store). Safe because
   * the cache never keeps a tagged entry longer than its `tagRetention`.
   */
  prune?(before: Ms): MaybePromise<number>;
}
