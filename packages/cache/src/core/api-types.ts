/** The options and results of reads and writes, as the public API takes and fills them. */
import type { Ms } from '../types.ts';

/** Options of one write. */
export interface WriteOptions {
  /** Fresh for this long (ms). Default: the cache's `ttl`. */
  ttl?: Ms;
  /** Kept this long past freshness, to be served stale (ms). Default: the cache's `grace`. */
  grace?: Ms;
  /** Tags for `invalidateTags`. */
  tags?: readonly string[];
  /** An entity tag stored with the value. */
  etag?: string;
  /** Encrypt in shared tiers; never written to browser storage. */
  sensitive?: boolean;
}

/** Filled in by a read when passed as `status`: how the value was served. */
export interface CacheStatus {
  /** `hit` fresh from a tier, `stale` served past freshness, `miss` computed now, `bypass` forced. */
  result?: 'hit' | 'stale' | 'miss' | 'bypass';
  /** The tier that answered, or `origin` when the factory did. */
  tier?: string;
  etag?: string | undefined;
  createdAt?: Ms;
  expiresAt?: Ms;
}

/** What a factory receives. It may change the options of the entry it is producing. */
export interface FactoryContext<V> {
  /** The key as the caller wrote it (without namespace). */
  readonly key: string;
  /** The stale value being refreshed, if any (e.g. to revalidate with its etag). */
  readonly stale: V | undefined;
  /** The stale value's entity tag, if any. */
  readonly staleEtag: string | undefined;
  /** Options for the produced entry; the factory may change them (e.g. set `etag`, `ttl`). */
  readonly options: WriteOptions;
  /** Returns the value to the caller without caching it. */
  skipCache(): void;
}

/** A value producer for `getOrSet`. */
export type Factory<V> = (context: FactoryContext<V>) => V | Promise<V>;

/** Options of `getOrSet`. */
export interface GetOrSetOptions extends WriteOptions {
  /** With a stale value at hand, wait this long for the refresh before serving it (ms). */
  softTimeout?: Ms;
  /** Without any value at hand, give up waiting for the factory after this long (ms). */
  timeout?: Ms;
  /** Take the cross-process lock (needs the cache's `lock`). */
  lock?: boolean;
  /**
   * Refresh-ahead for this call: a hit in the last `refreshAhead` fraction of its TTL is
   * returned at once and one background refresh starts. Default: the cache's `refreshAhead`.
   */
  refreshAhead?: number;
  /** Skip every tier, call the factory and refill the tiers (force refresh). */
  forceFresh?: boolean;
  /** Filled in with how the value was served. */
  status?: CacheStatus;
}
