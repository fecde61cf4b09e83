/**
 * The web-storage tier's access to the browser's `Storage`: opening it (with a probe write), every
 * read, write, removal and listing of our keys, the quota error, and the byte accounting. Any
 * access that throws something other than a quota error makes the storage unavailable from then
 * on (the tier misses); nothing here ever throws.
 */

/** The part of the DOM `Storage` interface the tier uses. */
export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

/** What the browser says about the origin's storage (`navigator.storage.estimate()`), in bytes. */
export interface StorageEstimateReport {
  usage: number | undefined;
  quota: number | undefined;
}

// Contains a control character, which no cache key may contain, so it can never collide.
const PROBE_SUFFIX = '\u0000probe';

/** Whether `error` is a browser's quota error (Chrome/Safari `QuotaExceededError`, code 22; Firefox). */
export function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}

/** What a stored item weighs: `(key.length + value.length) × 2`, UTF-16 as browsers count. */
export const bytesOf = (storageKey: string, raw: string): number => (storageKey.length + raw.length) * 2;

/** See the file comment. `onFail` runs once the storage has failed and is no longer used. */
export class StorageAccess {
  readonly probeKey: string;
  storage: StorageLike | undefined;
  /** Accesses that threw something other than a quota error. */
  errors = 0;
  /** Bytes per storage key of ours; `undefined` until the first {@link index}. */
  sizes: Map<string, number> | undefined;
  bytes = 0;

  constructor(
    readonly prefix: string,
    option: StorageLike | (() => StorageLike | null | undefined) | undefined,
    readonly onFail: () => void,
  ) {
    this.probeKey = prefix + PROBE_SUFFIX;
    this.storage = this.#open(option);
  }

  #open(option: StorageLike | (() => StorageLike | null | undefined) | undefined): StorageLike | undefined {
    let storage: StorageLike | null | undefined;
    try {
      if (typeof option === 'function') storage = option();
      else storage = option ?? (globalThis as { localStorage?: StorageLike }).localStorage;
      if (storage === undefined || storage === null) return undefined;
      // Some browsers expose a storage that throws on the first write (old Safari private mode).
      storage.setItem(this.probeKey, '1');
      storage.removeItem(this.probeKey);
      return storage;
    } catch (error) {
      // A full storage is still a working one: quota is handled per write.
      if (isQuotaError(error) && storage && storage.length > 0) return storage;
      this.errors++;
      return undefined;
    }
  }

  /** Storage threw something other than a quota error: stop using it. */
  #fail(): void {
    this.errors++;
    this.storage = undefined;
    this.sizes = undefined;
    this.bytes = 0;
    this.onFail();
  }

  read(storageKey: string): string | null {
    const storage = this.storage;
    if (storage === undefined) return null;
    try {
      return storage.getItem(storageKey);
    } catch {
      this.#fail();
      return null;
    }
  }

  /** One `setItem`: 'ok' (accounted), 'quota' (full), or 'failed' (the storage is now unavailable). */
  attempt(storageKey: string, raw: string, size: number): 'ok' | 'quota' | 'failed' {
    const storage = this.storage;
    if (storage === undefined) return 'failed';
    try {
      storage.setItem(storageKey, raw);
    } catch (error) {
      if (isQuotaError(error)) return 'quota';
      this.#fail();
      return 'failed';
    }
    this.account(storageKey, size);
    return 'ok';
  }

  remove(storageKey: string): void {
    const storage = this.storage;
    if (storage === undefined) return;
    try {
      storage.removeItem(storageKey);
    } catch {
      this.#fail();
      return;
    }
    this.account(storageKey, undefined);
  }

  /** Our storage keys, collected first: removing while walking `key(i)` would shift indexes. */
  ownKeys(): string[] {
    const storage = this.storage;
    if (storage === undefined) return [];
    const out: string[] = [];
    try {
      for (let i = 0; i < storage.length; i++) {
        const storageKey = storage.key(i);
        if (storageKey?.startsWith(this.prefix) && storageKey !== this.probeKey) {
          out.push(storageKey);
        }
      }
    } catch {
      this.#fail();
      return [];
    }
    return out;
  }

  /** The byte accounting, from one scan of our keys at the first call; `undefined` when unavailable. */
  index(): Map<string, number> | undefined {
    if (this.sizes !== undefined || this.storage === undefined) return this.sizes;
    const sizes = new Map<string, number>();
    let bytes = 0;
    for (const storageKey of this.ownKeys()) {
      const raw = this.read(storageKey);
      if (raw === null) continue;
      const size = bytesOf(storageKey, raw);
      sizes.set(storageKey, size);
      bytes += size;
    }
    if (this.storage === undefined) return undefined;
    this.sizes = sizes;
    this.bytes = bytes;
    return sizes;
  }

  /** Updates the byte accounting for one key (`undefined`: removed). No-op before the first index. */
  account(storageKey: string, size: number | undefined): void {
    const sizes = this.sizes;
    if (sizes === undefined) return;
    this.bytes -= sizes.get(storageKey) ?? 0;
    if (size === undefined) sizes.delete(storageKey);
    else {
      sizes.set(storageKey, size);
      this.bytes += size;
    }
  }
}

/** `navigator.storage.estimate()` where the browser has it (usage vs quota, whole origin). */
export async function estimateStorage(): Promise<StorageEstimateReport | undefined> {
  const manager = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<StorageEstimate> } } }).navigator
    ?.storage;
  if (typeof manager?.estimate !== 'function') return undefined;
  try {
    const { usage, quota } = await manager.estimate();
    return { usage, quota };
  } catch {
    return undefined;
  }
}
