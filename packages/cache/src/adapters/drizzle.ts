/**
 * Drizzle ORM query cache backed by an @agiletrack/cache instance.
 *
 *   const db = drizzle({ client, cache: drizzleCache(cache.namespace('drizzle')) });
 *   await db.select().from(teams).$withCache();     // cached, tagged `table:teams`
 *   await db.update(teams).set({ name: 'x' });      // invalidates tag `table:teams`
 *
 * Each cached query is tagged `table:<name>` for every table it read, and Drizzle reports the
 * tables every insert/update/delete touches, so a write drops exactly the queries that read that
 * table. Tag invalidations go through the cache, which shares them between instances (Redis
 * tag store and bus), so a write on one server drops the query on all of them.
 *
 * Only writes made through Drizzle are seen: a raw SQL write or another application writing
 * the same tables needs `db.$cache.invalidate({ tables })` or a short TTL.
 *
 * A result served from a memory tier is frozen, as every value it holds: Drizzle builds fresh
 * row objects from it, but a json column's object is shared with the cache; copy it to mutate.
 * The namespace keeps query keys apart from the application's; tags are shared on purpose, so
 * `cache.invalidateTags(['table:teams'])` from application code drops those queries too.
 */

import { getTableName, is, Table } from 'drizzle-orm';
import { Cache, type MutationOption } from 'drizzle-orm/cache/core';
import type { CacheConfig } from 'drizzle-orm/cache/core/types';
import { systemClock } from '../clock.ts';
import { CacheArgumentError, CacheOptionsError } from '../errors.ts';
import type { Clock, Ms } from '../types.ts';
import { checkDuration } from '../validate.ts';

/** The part of a cache this adapter uses; `createCache` provides it. Kept small so any cache fits. */
export interface QueryCacheStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, options: { ttl?: Ms; tags?: readonly string[] }): Promise<void>;
  invalidateTags(tags: readonly string[]): Promise<void>;
}

/** Adapter options. Every default is here. */
export interface DrizzleCacheOptions {
  /**
   * `'explicit'` caches only queries marked `.$withCache()`; `'all'` caches every select.
   * @default 'explicit'
   */
  strategy?: 'explicit' | 'all';
  /** How long a query result is kept (ms) when the query sets no `config.ex`/`px`. @default the cache's ttl */
  ttl?: Ms;
  /** Time source for `exat`/`pxat` expiries. @default the system clock */
  clock?: Clock;
  /**
   * Called when reading or writing the cache fails. The query is answered from the database
   * either way: a cache problem never fails a query. Invalidation failures are not routed
   * here; they reject the write that caused them, since a stale cache is the caller's business.
   */
  onError?: (error: unknown, operation: 'get' | 'put') => void;
}

/** The tag every cached query reading table `name` carries. */
export function tableTag(name: string): string {
  return `table:${name}`;
}

const SCHEMA = Symbol.for('drizzle:Schema');
const BASE_NAME = Symbol.for('drizzle:BaseName');
const QUERY_HASH = /^[0-9a-f]{1,128}$/;

// Drizzle records a query's tables as `schema.baseName` (or `baseName`), and passes those
// strings to onMutate for its own writes; a Table object given to `$cache.invalidate` must turn
// into the very same string. getTableName() would differ for tables made by a tableCreator.
function tableNameOf(table: unknown): string {
  if (typeof table === 'string') return table;
  if (is(table, Table)) {
    const record = table as unknown as Record<symbol, string | undefined>;
    const name = record[BASE_NAME] ?? getTableName(table);
    const schema = record[SCHEMA];
    return schema ? `${schema}.${name}` : name;
  }
  throw new CacheArgumentError(`expected a table or a table name, got ${typeof table}`);
}

function listOf<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// A driver result may carry its machinery: node-postgres' Result holds its type parsers
// (functions) in `_parsers`/`_types`, which no codec can store. Drizzle reads `rows`; keep the
// public data fields and drop the rest.
function storable(response: unknown): unknown {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) return response;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(response)) {
    if (field.startsWith('_') || typeof value === 'function') continue;
    out[field] = value;
  }
  return out;
}

/** A Drizzle `Cache` that stores query results in an @agiletrack/cache instance. */
export class DrizzleQueryCache extends Cache {
  readonly #store: QueryCacheStore;
  readonly #strategy: 'explicit' | 'all';
  readonly #ttl: Ms | undefined;
  readonly #clock: Clock;
  readonly #onError: ((error: unknown, operation: 'get' | 'put') => void) | undefined;

  constructor(store: QueryCacheStore, options: DrizzleCacheOptions = {}) {
    super();
    for (const method of ['get', 'set', 'invalidateTags'] as const) {
      if (typeof store?.[method] !== 'function') {
        throw new CacheOptionsError(`the Drizzle cache needs a cache with a ${method}() method`);
      }
    }
    const strategy = options.strategy ?? 'explicit';
    if (strategy !== 'explicit' && strategy !== 'all') {
      throw new CacheOptionsError(`strategy must be 'explicit' or 'all', got ${JSON.stringify(strategy)}`);
    }
    checkDuration('Drizzle cache ttl', options.ttl);
    this.#store = store;
    this.#strategy = strategy;
    this.#ttl = options.ttl;
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError;
    // Drizzle installs this method, unbound, as `db.$cache.invalidate`.
    this.onMutate = this.onMutate.bind(this);
  }

  override strategy(): 'explicit' | 'all' {
    return this.#strategy;
  }

  override async get(
    key: string,
    tables: string[],
    isTag: boolean,
    isAutoInvalidate?: boolean,
  ): Promise<unknown[] | undefined> {
    try {
      // Drizzle hands put() an empty table list when the query opted out of auto-invalidation.
      const auto = Boolean(isAutoInvalidate) && tables.length > 0;
      return (await this.#store.get(await this.#key(key, isTag, auto))) as unknown[] | undefined;
    } catch (error) {
      this.#onError?.(error, 'get');
      return undefined;
    }
  }

  override async put(
    key: string,
    response: unknown,
    tables: string[],
    isTag: boolean,
    config?: CacheConfig,
  ): Promise<void> {
    try {
      const ttl = this.#ttlOf(config);
      if (ttl !== undefined && ttl <= 0) return;
      const tags = tables.map((table) => tableTag(table));
      // A named query (`$withCache({ tag })`) is also dropped by `$cache.invalidate({ tags })`.
      if (isTag) tags.push(key);
      await this.#store.set(await this.#key(key, isTag, tables.length > 0), storable(response), {
        ...(ttl !== undefined && { ttl }),
        ...(tags.length > 0 && { tags }),
      });
    } catch (error) {
      this.#onError?.(error, 'put');
    }
  }

  /** Drops every cached query that read one of `tables` or was named by one of `tags`. */
  override async onMutate(params: MutationOption): Promise<void> {
    const tags = [
      ...listOf(params.tags),
      ...listOf<unknown>(params.tables).map((table) => tableTag(tableNameOf(table))),
    ];
    if (tags.length > 0) await this.#store.invalidateTags(tags);
  }

  // Cache keys must not contain ':' (the cache's namespace separator) and stay short: Drizzle's
  // query hashes are hex and used as they are, user tags are hashed. Queries cached without
  // auto-invalidation live under their own keys, so they can never answer a query that asked
  // to be invalidated by writes.
  async #key(id: string, isTag: boolean, auto: boolean): Promise<string> {
    const kind = isTag ? 't' : 'q';
    const body = !isTag && QUERY_HASH.test(id) ? id : await sha256Hex(id);
    return `${kind}${auto ? '' : 'n'}_${body}`;
  }

  #ttlOf(config: CacheConfig | undefined): Ms | undefined {
    if (config?.px !== undefined) return config.px;
    if (config?.ex !== undefined) return config.ex * 1000;
    if (config?.pxat !== undefined) return config.pxat - this.#clock.now();
    if (config?.exat !== undefined) return config.exat * 1000 - this.#clock.now();
    return this.#ttl;
  }
}

/** Creates the Drizzle cache: `drizzle({ client, cache: drizzleCache(cache) })`. */
export function drizzleCache(store: QueryCacheStore, options: DrizzleCacheOptions = {}): DrizzleQueryCache {
  return new DrizzleQueryCache(store, options);
}
