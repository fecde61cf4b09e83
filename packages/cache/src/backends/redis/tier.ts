/**
 * The Redis tier: an asynchronous, shared tier on ioredis, for one node or a Redis Cluster.
 *
 * Each entry is one string key, `prefix + [hash tag] + key`, holding the codec's string with
 * `PX` = the ttl the cache passes (which already includes grace). The codec also stores the
 * tier's own expiry (`keep`), and entries read back are capped at it, so a reader judges expiry
 * with the injected clock rather than trusting Redis's timer alone.
 *
 * Connection errors propagate as rejections: the cache's guard (deadline, circuit breaker)
 * counts them. Only undecodable entries are swallowed: dropped (UNLINK), counted, read as a miss.
 */
import type { Redis } from 'ioredis';
import { systemClock } from '../../clock.ts';
import { createEntryCodec } from '../../codec/entry-codec.ts';
import { luaStoredStamp } from '../../codec/header.ts';
import { RemoteTierRuntime } from '../../core/remote-runtime.ts';
import { CacheBackendError, CacheKeyError, CacheOptionsError } from '../../errors.ts';
import { fenceValue, isFence } from '../../tiers/fence.ts';
import { capEntry, decodeStored } from '../../tiers/memory.ts';
import type { AsyncTier, Clock, Entry, EntryCodec, Ms, TierContext, TierSetItem, TierStats } from '../../types.ts';
import { checkDuration, checkInt } from '../../validate.ts';
import { closeRedisClient, isCluster, type RedisClient } from './client.ts';
import { DEFAULT_REDIS_PREFIX } from './names.ts';
import { luaScript } from './scripts.ts';
import { groupBySlot } from './slots.ts';

// KEYS[1] = the key; ARGV = value, entry createdAt, PX ('' for none). 1 if written.
// Refused when what is stored, a fence or a value, is as new or newer: refreshes that read the
// source later win, whatever order their writes arrive in. The stamp is read from the header.
const SET_UNLESS_NEWER = luaScript(`${luaStoredStamp()}
local current = redis.call('GET', KEYS[1])
if current then
  local at = stored_stamp(current)
  if at and at >= tonumber(ARGV[2]) then return 0 end
end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end
return 1
`);

/** Redis tier options. Every default is here. */
export interface RedisTierOptions {
  /** The connection. Not closed by the tier unless `ownsClient`. See {@link createRedisClient}. */
  client: RedisClient;
  /**
   * Whether `close()` quits the client.
   * @default false
   */
  ownsClient?: boolean;
  /**
   * Name in stats and events.
   * @default 'redis'
   */
  name?: string;
  /**
   * Prepended to every key; a version in it (`app:v2:`) lets a new format start from an empty
   * namespace. Must not be empty: `clear()` deletes everything under it.
   * @default 'cache:'
   */
  prefix?: string;
  /** The longest this tier keeps an entry (ms). Unset: the ttl the cache passes. */
  ttl?: Ms;
  /**
   * Returns a hash tag (`{team_12}`, or `team_12` which is wrapped) so related keys share one
   * cluster slot, or `undefined` for none. Inserted right after the prefix. When set, every key
   * gets a tag segment (`{}` when there is none, which Redis ignores) so keys read back unambiguously.
   */
  hashTag?: (key: string) => string | undefined;
  /**
   * The `COUNT` hint of each `SCAN` step in `clear`, `keys` and `info`.
   * @default 500
   */
  scanCount?: number;
}

/** What {@link RedisTier.info} reads from Redis. */
export interface RedisTierInfo {
  /** `used_memory` of the server (summed over masters): everything in that Redis, not only this tier. */
  usedMemory: number;
  /** Keys under this tier's prefix, counted with SCAN (expired-by-clock entries included). */
  keys: number;
  /** `DBSIZE` (summed over masters): every key in the database. */
  dbSize: number;
}

const TAG_PATTERN = /^\{[^{}]+\}$/;
const BARE_TAG_PATTERN = /^[^{}]+$/;
const noop = (): void => {};

/** The Redis tier class; create it with {@link redisTier}. */
export class RedisTier implements AsyncTier {
  readonly sync = false as const;
  readonly guard = RemoteTierRuntime;
  readonly shared = true;
  readonly name: string;
  readonly ttl: Ms | undefined;
  /** The key prefix, as configured. */
  readonly prefix: string;
  readonly #client: RedisClient;
  readonly #cluster: boolean;
  readonly #ownsClient: boolean;
  readonly #hashTag: ((key: string) => string | undefined) | undefined;
  readonly #scanCount: number;
  #clock: Clock = systemClock;
  #codec: EntryCodec | undefined;
  #corrupt = 0;
  #info: RedisTierInfo | undefined;
  // Writes and deletes since the last info(): they keep `stats().entries` roughly current.
  #writesSinceInfo = 0;
  #deletesSinceInfo = 0;

  constructor(options: RedisTierOptions) {
    const client = options?.client as RedisClient | undefined;
    if (!client || typeof client.get !== 'function' || typeof client.pipeline !== 'function') {
      throw new CacheOptionsError('redis tier: client must be an ioredis Redis or Cluster instance');
    }
    const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    if (typeof prefix !== 'string' || prefix.length === 0) {
      throw new CacheOptionsError(
        'redis tier: prefix must be a non-empty string (clear() deletes everything under it)',
      );
    }
    if (options.hashTag !== undefined && typeof options.hashTag !== 'function') {
      throw new CacheOptionsError('redis tier: hashTag must be a function');
    }
    if (options.hashTag && /[{}]/.test(prefix)) {
      // Redis hashes the first {…} of a key: braces in the prefix would override every hash tag.
      throw new CacheOptionsError('redis tier: prefix must not contain "{" or "}" when hashTag is set');
    }
    checkDuration('redis tier ttl', options.ttl);
    checkInt('scanCount', options.scanCount, 1);
    this.#client = client;
    this.#cluster = isCluster(client);
    this.#ownsClient = options.ownsClient ?? false;
    this.name = options.name ?? 'redis';
    this.ttl = options.ttl;
    this.prefix = prefix;
    this.#hashTag = options.hashTag;
    this.#scanCount = options.scanCount ?? 500;
  }

  /** Receives the cache's clock and codec. */
  attach(context: TierContext): void {
    this.#clock = context.clock;
    this.#codec = context.codec;
  }

  /** The Redis key an entry is stored under (for tests and debugging with redis-cli). */
  storageKey(key: string): string {
    if (!this.#hashTag) return this.prefix + key;
    const tag = this.#hashTag(key);
    if (tag === undefined) return `${this.prefix}{}${key}`;
    if (TAG_PATTERN.test(tag)) return this.prefix + tag + key;
    if (BARE_TAG_PATTERN.test(tag)) return `${this.prefix}{${tag}}${key}`;
    throw new CacheKeyError(`hashTag returned ${JSON.stringify(tag)} for key ${JSON.stringify(key)}; expected {name}`);
  }

  async get(key: string): Promise<Entry | undefined> {
    const storageKey = this.storageKey(key);
    const raw = await this.#client.get(storageKey);
    return raw === null ? undefined : this.#decode(key, storageKey, raw);
  }

  async getMany(keys: readonly string[]): Promise<(Entry | undefined)[]> {
    if (keys.length === 0) return [];
    const storageKeys = keys.map((key) => this.storageKey(key));
    let raws: (string | null)[];
    if (!this.#cluster) {
      raws = await this.#client.mget(storageKeys);
    } else {
      raws = new Array<string | null>(keys.length).fill(null);
      // MGET must stay within one slot in a cluster: one MGET per slot, all in parallel.
      await Promise.all(
        [...groupBySlot(storageKeys)].map(async ([, indexes]) => {
          const values = await this.#client.mget(indexes.map((i) => storageKeys[i]!));
          values.forEach((value, j) => {
            raws[indexes[j]!] = value;
          });
        }),
      );
    }
    const out = new Array<Entry | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const raw = raws[i];
      out[i] = raw === null || raw === undefined ? undefined : this.#decode(keys[i]!, storageKeys[i]!, raw);
    }
    return out;
  }

  async set(key: string, entry: Entry, ttl: Ms): Promise<void> {
    const write = this.#prepare(key, entry, ttl);
    if (write.px === 0) {
      await this.#client.unlink(write.storageKey);
      return;
    }
    if (write.px === undefined) await this.#client.set(write.storageKey, write.raw);
    else await this.#client.set(write.storageKey, write.raw, 'PX', write.px);
    this.#writesSinceInfo++;
  }

  async setMany(items: readonly TierSetItem[]): Promise<void> {
    if (items.length === 0) return;
    // Encode everything first: an unencodable item fails the batch before anything is sent.
    const writes = items.map((item) => this.#prepare(item.key, item.entry, item.ttl));
    const groups = this.#cluster
      ? [...groupBySlot(writes.map((w) => w.storageKey)).values()]
      : [writes.map((_, i) => i)];
    await Promise.all(
      groups.map(async (indexes) => {
        const pipeline = this.#client.pipeline();
        for (const i of indexes) {
          const write = writes[i]!;
          if (write.px === 0) pipeline.unlink(write.storageKey);
          else if (write.px === undefined) pipeline.set(write.storageKey, write.raw);
          else pipeline.set(write.storageKey, write.raw, 'PX', write.px);
        }
        await execPipeline(pipeline);
      }),
    );
    this.#writesSinceInfo += writes.filter((w) => w.px !== 0).length;
  }

  /** Replaces `keys` with fences (one pipeline, per slot in a cluster). */
  async fence(keys: readonly string[], at: Ms, ttl: Ms): Promise<void> {
    if (keys.length === 0) return;
    const storageKeys = keys.map((key) => this.storageKey(key));
    const groups = this.#cluster ? [...groupBySlot(storageKeys).values()] : [storageKeys.map((_, i) => i)];
    const px = Math.max(1, Math.ceil(ttl));
    await Promise.all(
      groups.map(async (indexes) => {
        const pipeline = this.#client.pipeline();
        for (const i of indexes) pipeline.set(storageKeys[i]!, fenceValue(at), 'PX', px);
        await execPipeline(pipeline);
      }),
    );
  }

  /** Writes unless a fence or a value at least as new stands (one atomic script on one key). */
  async setFenced(key: string, entry: Entry, ttl: Ms): Promise<boolean> {
    const write = this.#prepare(key, entry, ttl);
    if (write.px === 0) return false;
    const written = await SET_UNLESS_NEWER.run(
      this.#client,
      [write.storageKey],
      [write.raw, String(entry.createdAt), write.px === undefined ? '' : String(write.px)],
    );
    if (written === 1) this.#writesSinceInfo++;
    return written === 1;
  }

  async delete(key: string): Promise<boolean> {
    const removed = await this.#client.unlink(this.storageKey(key));
    this.#deletesSinceInfo += removed;
    return removed > 0;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const storageKeys = keys.map((key) => this.storageKey(key));
    let removed = 0;
    if (!this.#cluster) {
      removed = await this.#client.unlink(storageKeys);
    } else {
      const counts = await Promise.all(
        [...groupBySlot(storageKeys).values()].map((indexes) =>
          this.#client.unlink(indexes.map((i) => storageKeys[i]!)),
        ),
      );
      removed = counts.reduce((a, b) => a + b, 0);
    }
    this.#deletesSinceInfo += removed;
    return removed;
  }

  /** Removes every key of this tier starting with `prefix`, with SCAN on every master (never KEYS). */
  async clear(prefix = ''): Promise<number> {
    let removed = 0;
    await this.#scan(prefix, async (node, storageKeys) => {
      // Nodes are scanned in parallel: read the count first, then add (no `+= await`).
      const count = await this.#unlinkOnNode(node, storageKeys);
      removed += count;
    });
    this.#deletesSinceInfo += removed;
    return removed;
  }

  /** Lists live keys starting with `prefix`. Reads every matching entry: an administrative call. */
  async keys(prefix = ''): Promise<string[]> {
    const out: string[] = [];
    await this.#scan(prefix, async (node, storageKeys, logicalKeys) => {
      // Read the entries too: expiry is judged with the injected clock, not by Redis alone.
      const raws = await this.#readOnNode(node, storageKeys);
      raws.forEach((raw, i) => {
        if (raw !== null && this.#decode(logicalKeys[i]!, storageKeys[i]!, raw) !== undefined) {
          out.push(logicalKeys[i]!);
        }
      });
    });
    return out;
  }

  /**
   * Tier counters. `entries` and `bytes` come from the last {@link info} call (Redis cannot
   * report them cheaply): `entries` is the prefix's key count then, plus writes minus deletes
   * by this instance since (an estimate until the next `info()`); `bytes` is the server's
   * `used_memory` then (`undefined` before the first `info()`). Eviction is Redis's business: 0.
   */
  stats(): TierStats {
    const stats: TierStats = {
      entries: Math.max(0, (this.#info?.keys ?? 0) + this.#writesSinceInfo - this.#deletesSinceInfo),
      bytes: this.#info?.usedMemory,
      evictions: 0,
      corrupt: this.#corrupt,
    };
    if (this.#codec) stats.compressed = this.#codec.stats();
    return stats;
  }

  /** Reads memory and key counts from Redis (INFO memory, DBSIZE, SCAN over the prefix) and keeps them for `stats()`. */
  async info(): Promise<RedisTierInfo> {
    const nodes = this.#masters();
    let usedMemory = 0;
    let dbSize = 0;
    await Promise.all(
      nodes.map(async (node) => {
        const [memory, size] = await Promise.all([node.info('memory'), node.dbsize()]);
        usedMemory += Number(/^used_memory:(\d+)/m.exec(memory)?.[1] ?? 0);
        dbSize += size;
      }),
    );
    let keys = 0;
    await this.#scan('', async (_node, storageKeys) => {
      keys += storageKeys.length;
    });
    this.#info = { usedMemory, keys, dbSize };
    this.#writesSinceInfo = 0;
    this.#deletesSinceInfo = 0;
    return { ...this.#info };
  }

  /** Quits the client if the tier owns it. */
  async close(): Promise<void> {
    if (!this.#ownsClient) return;
    await closeRedisClient(this.#client);
  }

  #prepare(key: string, entry: Entry, ttl: Ms): { storageKey: string; raw: string; px: number | undefined } {
    const storageKey = this.storageKey(key);
    const now = this.#clock.now();
    let keep = Math.min(ttl, this.ttl ?? Number.POSITIVE_INFINITY);
    // Without any finite ttl, fall back to the entry's own end of life rather than keep it forever.
    if (keep === Number.POSITIVE_INFINITY && Number.isFinite(entry.staleUntil)) keep = entry.staleUntil - now;
    if (!(keep > 0)) return { storageKey, raw: '', px: 0 };
    if (!Number.isFinite(keep)) {
      return { storageKey, raw: this.#codecOrDefault().encode(key, entry), px: undefined };
    }
    const keepUntil = now + keep;
    const raw = this.#codecOrDefault().encode(key, capEntry(entry, keepUntil), keepUntil);
    return { storageKey, raw, px: Math.max(1, Math.ceil(keep)) };
  }

  #decode(key: string, storageKey: string, raw: string): Entry | undefined {
    if (isFence(raw)) return undefined;
    let entry: Entry;
    try {
      entry = decodeStored(this.#codecOrDefault(), key, raw);
    } catch {
      // A storage error never reaches the caller: drop the entry (fire and forget) and count it.
      this.#corrupt++;
      this.#deletesSinceInfo++;
      this.#client.unlink(storageKey).catch(noop);
      return undefined;
    }
    // Past its end by the injected clock: a miss, even though Redis's own timer has not fired yet.
    return entry.staleUntil > this.#clock.now() ? entry : undefined;
  }

  #codecOrDefault(): EntryCodec {
    this.#codec ??= createEntryCodec();
    return this.#codec;
  }

  #logicalKey(storageKey: string): string | undefined {
    if (!storageKey.startsWith(this.prefix)) return undefined;
    const rest = storageKey.slice(this.prefix.length);
    if (!this.#hashTag) return rest;
    const end = rest.startsWith('{') ? rest.indexOf('}') : -1;
    return end < 0 ? undefined : rest.slice(end + 1);
  }

  #masters(): Redis[] {
    if (!isCluster(this.#client)) return [this.#client];
    const masters = this.#client.nodes('master');
    if (masters.length === 0) {
      throw new CacheBackendError(`${this.name} tier: the cluster has no known master (status ${this.#client.status})`);
    }
    return masters;
  }

  /** Runs SCAN MATCH on every master; hands each batch of this tier's keys under `prefix` to `visit`. */
  async #scan(
    prefix: string,
    visit: (node: Redis, storageKeys: string[], logicalKeys: string[]) => Promise<void>,
  ): Promise<void> {
    const pattern = this.#hashTag
      ? `${escapeGlob(this.prefix)}{*}${escapeGlob(prefix)}*`
      : `${escapeGlob(this.prefix + prefix)}*`;
    await Promise.all(
      this.#masters().map(async (node) => {
        let cursor = '0';
        do {
          const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', this.#scanCount);
          cursor = next;
          // The glob can over-match around the tag segment: confirm each key by parsing it.
          const storageKeys: string[] = [];
          const logicalKeys: string[] = [];
          for (const storageKey of found) {
            const key = this.#logicalKey(storageKey);
            if (key?.startsWith(prefix)) {
              storageKeys.push(storageKey);
              logicalKeys.push(key);
            }
          }
          if (storageKeys.length > 0) await visit(node, storageKeys, logicalKeys);
        } while (cursor !== '0');
      }),
    );
  }

  async #readOnNode(node: Redis, storageKeys: string[]): Promise<(string | null)[]> {
    if (!this.#cluster) return node.mget(storageKeys);
    // Keys scanned from one cluster node span many slots: one GET per key, pipelined.
    const pipeline = node.pipeline();
    for (const key of storageKeys) pipeline.get(key);
    return (await execPipeline(pipeline)) as (string | null)[];
  }

  async #unlinkOnNode(node: Redis, storageKeys: string[]): Promise<number> {
    if (!this.#cluster) return node.unlink(storageKeys);
    // A cluster node refuses multi-key commands across slots: one UNLINK per key, pipelined.
    const pipeline = node.pipeline();
    for (const key of storageKeys) pipeline.unlink(key);
    const results = await execPipeline(pipeline);
    return results.reduce<number>((sum, n) => sum + Number(n), 0);
  }
}

/** Creates a Redis tier. Validates its options at once. */
export function redisTier(options: RedisTierOptions): RedisTier {
  return new RedisTier(options);
}

/** Escapes Redis glob characters (`* ? [ ] \`) so a prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Runs a pipeline and returns its results, rejecting with the first command error. */
async function execPipeline(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (results === null) throw new CacheBackendError('redis pipeline was discarded');
  return results.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}
