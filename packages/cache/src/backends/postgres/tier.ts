/**
 * The Postgres tier: entries in one UNLOGGED table, reached through node-postgres or PGlite.
 *
 *   key text COLLATE "C" PRIMARY KEY, value text NOT NULL, expires_at bigint NOT NULL
 *
 * `value` is the codec string (readable JSON unless compressed or encrypted). `expires_at` is
 * the epoch ms (from the injected clock) after which the row is dead: the entry's `staleUntil`
 * capped at this tier's keep time. Every read filters on it, so an expired row is a miss even
 * before `prune()` deletes it. Keys carry a prefix so several applications can share the table.
 *
 * UNLOGGED: a cache needs no crash safety or replication, and skipping the WAL makes writes
 * cheaper; after a crash Postgres empties the table, which for a cache is only a cold start.
 * PGlite accepts UNLOGGED too, so both drivers get the same schema.
 *
 * `COLLATE "C"` on the key makes `key LIKE 'prefix%'` an index range scan whatever the
 * database's collation, so `clear(prefix)` and `keys(prefix)` do not read the whole table.
 */
import { systemClock } from '../../clock.ts';
import { utf8Length } from '../../codec/bytes.ts';
import { createEntryCodec } from '../../codec/entry-codec.ts';
import { sqlIsFence, sqlStoredStamp } from '../../codec/header.ts';
import { RemoteTierRuntime } from '../../core/remote-runtime.ts';
import { CacheEntryTooLargeError, CacheOptionsError } from '../../errors.ts';
import { fenceValue, isFence } from '../../tiers/fence.ts';
import { capEntry, decodeStored } from '../../tiers/memory.ts';
import type { AsyncTier, Clock, Entry, EntryCodec, Ms, TierContext, TierSetItem, TierStats } from '../../types.ts';
import { checkDuration, checkInt } from '../../validate.ts';
import { checkTable, escapeLike, type SqlClient } from './sql.ts';

/** Postgres tier options. Every default is here. */
export interface PostgresTierOptions {
  /** The connection: a `pg.Pool`, a `pg.Client` or a `PGlite`. The tier never closes it. */
  client: SqlClient;
  /**
   * Name in stats and events.
   * @default 'postgres'
   */
  name?: string;
  /** The longest this tier keeps an entry (ms). Unset: the entry's own TTL. */
  ttl?: Ms;
  /**
   * The table, optionally schema-qualified (`cache.entries`). Lower-case letters, digits and
   * `_`, starting with a letter or `_`, at most 48 characters per part (the index name adds a suffix).
   * @default 'cache_entries'
   */
  table?: string;
  /**
   * Prepended to every key, so applications and versions sharing the table never meet.
   * @default 'cache:'
   */
  prefix?: string;
  /**
   * Create the table on first use (`ensureSchema()`). Turn off when migrations own the schema.
   * @default true
   */
  createTable?: boolean;
  /**
   * Create the table UNLOGGED (no WAL: faster writes, emptied after a crash, not replicated).
   * @default true
   */
  unlogged?: boolean;
  /**
   * Largest stored entry in bytes (encoded). A larger one is refused with `E_CACHE_ENTRY_TOO_LARGE`.
   * @default 4 MiB
   */
  maxEntrySize?: number;
}

const MAX_PREFIX_LENGTH = 128;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Beyond Number.MAX_SAFE_INTEGER a bigint would lose precision on its way back to JavaScript.
const FOREVER = Number.MAX_SAFE_INTEGER;

interface KeyValueRow {
  key: string;
  value: string;
}

function countOf(rows: unknown[]): number {
  return (rows[0] as { n: number } | undefined)?.n ?? 0;
}

/** The Postgres tier class; create it with {@link postgresTier}. */
export class PostgresTier implements AsyncTier {
  readonly sync = false as const;
  readonly guard = RemoteTierRuntime;
  readonly shared = true;
  readonly name: string;
  readonly ttl: Ms | undefined;
  /** The table, as given (validated). */
  readonly table: string;
  /** The prefix every stored key carries. */
  readonly prefix: string;
  readonly #client: SqlClient;
  readonly #createTable: boolean;
  readonly #maxEntrySize: number;
  readonly #sql: ReturnType<typeof statements>;
  readonly #schemaSql: string;
  readonly #likeAll: string;
  readonly #pendingDrops = new Set<Promise<void>>();
  #clock: Clock = systemClock;
  #codec: EntryCodec | undefined;
  #schema: Promise<void> | undefined;
  #schemaReady = false;
  #counted = 0;
  #delta = 0;
  #bytes: number | undefined;
  #corrupt = 0;

  constructor(options: PostgresTierOptions) {
    if (typeof options?.client?.query !== 'function') {
      throw new CacheOptionsError('postgresTier needs a client with a query(text, params) method (pg.Pool, PGlite)');
    }
    checkDuration('postgres tier ttl', options.ttl);
    checkInt('maxEntrySize', options.maxEntrySize, 1);
    const table = options.table ?? 'cache_entries';
    const parts = checkTable(table);
    const prefix = options.prefix ?? 'cache:';
    if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_LENGTH || CONTROL.test(prefix)) {
      throw new CacheOptionsError(
        `prefix must be a string of at most ${MAX_PREFIX_LENGTH} characters without control characters`,
      );
    }
    this.#client = options.client;
    this.name = options.name ?? 'postgres';
    this.ttl = options.ttl;
    this.table = table;
    this.prefix = prefix;
    this.#createTable = options.createTable ?? true;
    this.#maxEntrySize = options.maxEntrySize ?? 4 * 1024 * 1024;
    this.#sql = statements(parts.join('.'));
    this.#schemaSql = schemaStatement(parts, options.unlogged ?? true);
    this.#likeAll = `${escapeLike(prefix)}%`;
  }

  /** Receives the cache's clock and codec. */
  attach(context: TierContext): void {
    this.#clock = context.clock;
    this.#codec = context.codec;
  }

  /**
   * Creates the table and its expiry index if missing. Idempotent, and safe when several
   * processes start at once. Called on first use unless `createTable: false`; call it at
   * startup to keep the first cache call within the cache's tier deadline.
   */
  ensureSchema(): Promise<void> {
    this.#schema ??= this.#client.query(this.#schemaSql).then(
      () => {
        this.#schemaReady = true;
      },
      (error: unknown) => {
        // Forget the failure so the next call tries again (the database may come back).
        this.#schema = undefined;
        throw error;
      },
    );
    return this.#schema;
  }

  async get(key: string): Promise<Entry | undefined> {
    await this.#ready();
    const stored = this.prefix + key;
    const { rows } = await this.#client.query(this.#sql.get, [stored, this.#clock.now()]);
    const row = rows[0] as KeyValueRow | undefined;
    return row === undefined ? undefined : this.#decode(stored, row.value);
  }

  async getMany(keys: readonly string[]): Promise<(Entry | undefined)[]> {
    if (keys.length === 0) return [];
    await this.#ready();
    const stored = [...new Set(keys)].map((key) => this.prefix + key);
    const { rows } = await this.#client.query(this.#sql.getMany, [stored, this.#clock.now()]);
    const found = new Map<string, Entry | undefined>();
    for (const row of rows as KeyValueRow[]) found.set(row.key, this.#decode(row.key, row.value));
    return keys.map((key) => found.get(this.prefix + key));
  }

  async set(key: string, entry: Entry, ttl: Ms): Promise<void> {
    const row = this.#encode(key, entry, ttl);
    await this.#ready();
    const { rows } = await this.#client.query(this.#sql.upsert, row);
    this.#delta += (rows as { inserted: boolean }[]).filter((r) => r.inserted).length;
  }

  async setMany(items: readonly TierSetItem[]): Promise<void> {
    if (items.length === 0) return;
    // Encode everything first: one refused entry fails the batch before anything is written.
    // A key given twice keeps its last item, as sequential sets would; Postgres refuses to
    // upsert one row twice in a statement.
    const byKey = new Map<string, [string, string, number]>();
    for (const item of items) {
      const row = this.#encode(item.key, item.entry, item.ttl);
      byKey.delete(row[0]);
      byKey.set(row[0], row);
    }
    const rows = [...byKey.values()];
    await this.#ready();
    const result = await this.#client.query(this.#sql.upsertMany, [
      rows.map((r) => r[0]),
      rows.map((r) => r[1]),
      rows.map((r) => r[2]),
    ]);
    this.#delta += (result.rows as { inserted: boolean }[]).filter((r) => r.inserted).length;
  }

  /** Replaces `keys` with fences in one statement (see `tiers/fence.ts`). */
  async fence(keys: readonly string[], at: Ms, ttl: Ms): Promise<void> {
    if (keys.length === 0) return;
    await this.#ready();
    const stored = [...new Set(keys)].map((key) => this.prefix + key);
    const until = Math.min(this.#clock.now() + ttl, FOREVER);
    await this.#client.query(this.#sql.upsertMany, [stored, stored.map(() => fenceValue(at)), stored.map(() => until)]);
  }

  /** Writes unless a live fence or value at least as new stands (one statement). */
  async setFenced(key: string, entry: Entry, ttl: Ms): Promise<boolean> {
    const row = this.#encode(key, entry, ttl);
    await this.#ready();
    const { rows } = await this.#client.query(this.#sql.upsertFenced, [...row, entry.createdAt, this.#clock.now()]);
    this.#delta += (rows as { inserted: boolean }[]).filter((r) => r.inserted).length;
    return rows.length > 0;
  }

  async delete(key: string): Promise<boolean> {
    await this.#ready();
    const { rows } = await this.#client.query(this.#sql.delete, [this.prefix + key]);
    this.#delta -= rows.length;
    return rows.length > 0;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    await this.#ready();
    const stored = [...new Set(keys)].map((key) => this.prefix + key);
    const { rows } = await this.#client.query(this.#sql.deleteMany, [stored]);
    const deleted = countOf(rows);
    this.#delta -= deleted;
    return deleted;
  }

  async clear(prefix = ''): Promise<number> {
    await this.#ready();
    const { rows } = await this.#client.query(this.#sql.clear, [this.#like(prefix)]);
    const deleted = countOf(rows);
    this.#delta -= deleted;
    return deleted;
  }

  /** Live keys (without the tier's prefix). Scans the prefix range: an administrative call. */
  async keys(prefix = ''): Promise<string[]> {
    await this.#ready();
    // A corrupt row dropped by an earlier read must not be listed: wait for those deletes.
    await this.#settleDrops();
    const { rows } = await this.#client.query(this.#sql.keys, [this.#like(prefix), this.#clock.now()]);
    return (rows as { key: string }[]).map((row) => row.key.slice(this.prefix.length));
  }

  /**
   * Deletes this tier's rows past their expiry; returns how many. In the same statement it
   * recounts the rows left, so the cache's periodic sweep keeps `stats()` current.
   */
  async prune(): Promise<number> {
    await this.#ready();
    const { rows } = await this.#client.query(this.#sql.prune, [this.#likeAll, this.#clock.now()]);
    const row = rows[0] as { removed: number; total: number; bytes: number; removedBytes: number } | undefined;
    if (!row) return 0;
    this.#setCount(row.total - row.removed, row.bytes - row.removedBytes);
    return row.removed;
  }

  /**
   * Counts this tier's rows and bytes (one `count(*)` over the key prefix) and returns fresh
   * stats. `stats()` is synchronous and returns the last count plus this instance's own
   * writes and deletes since; rows other processes wrote show up at the next `info()` or `prune()`.
   */
  async info(): Promise<TierStats> {
    await this.#ready();
    await this.#settleDrops();
    const { rows } = await this.#client.query(this.#sql.count, [this.#likeAll]);
    const row = rows[0] as { total: number; bytes: number } | undefined;
    this.#setCount(row?.total ?? 0, row?.bytes ?? 0);
    return this.stats();
  }

  stats(): TierStats {
    const stats: TierStats = {
      entries: Math.max(0, this.#counted + this.#delta),
      bytes: this.#bytes,
      evictions: 0,
      corrupt: this.#corrupt,
    };
    if (this.#codec) stats.compressed = this.#codec.stats();
    return stats;
  }

  /** Waits for background deletes of corrupt rows. Leaves the client open: it belongs to the caller. */
  async close(): Promise<void> {
    await this.#settleDrops();
  }

  #ready(): Promise<void> | undefined {
    if (this.#schemaReady || !this.#createTable) return undefined;
    return this.ensureSchema();
  }

  #like(prefix: string): string {
    return `${escapeLike(this.prefix + prefix)}%`;
  }

  #setCount(total: number, bytes: number): void {
    this.#counted = total;
    this.#delta = 0;
    this.#bytes = bytes;
  }

  #encode(key: string, entry: Entry, ttl: Ms): [string, string, number] {
    const stored = this.prefix + key;
    const keepUntil = this.#clock.now() + ttl;
    const capped = capEntry(entry, keepUntil);
    // Encoded under the stored key: it authenticates an encrypted entry, so a ciphertext copied
    // to another application's prefix fails to decrypt. `keep` only when finite: JSON has no Infinity.
    const value = this.#codecOrDefault().encode(stored, capped, Number.isFinite(keepUntil) ? keepUntil : undefined);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a value near the limit pays for the exact count.
    if (value.length * 3 > this.#maxEntrySize) {
      const size = utf8Length(value);
      if (size > this.#maxEntrySize) throw new CacheEntryTooLargeError(key, size, this.#maxEntrySize, this.name);
    }
    return [stored, value, Math.min(capped.staleUntil, FOREVER)];
  }

  #decode(stored: string, raw: string): Entry | undefined {
    if (isFence(raw)) return undefined;
    try {
      return decodeStored(this.#codecOrDefault(), stored, raw);
    } catch {
      // Corrupt JSON, a wrong encryption key or truncated data never reaches the caller: count
      // it and drop the row in the background. The delete matches the raw value, so a fresh
      // value written meanwhile under the same key survives it.
      this.#corrupt++;
      const drop = this.#client.query(this.#sql.dropCorrupt, [stored, raw]).then(
        ({ rows }) => {
          this.#delta -= rows.length;
        },
        () => {
          // Dropping is best effort: the next read of this row tries again.
        },
      );
      this.#pendingDrops.add(drop);
      void drop.finally(() => this.#pendingDrops.delete(drop));
      return undefined;
    }
  }

  async #settleDrops(): Promise<void> {
    if (this.#pendingDrops.size > 0) await Promise.all(this.#pendingDrops);
  }

  #codecOrDefault(): EntryCodec {
    this.#codec ??= createEntryCodec();
    return this.#codec;
  }
}

// `table` is validated by checkTable: the only text ever spliced into SQL.
function statements(table: string) {
  const upsertTail =
    'ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at' +
    // xmax is 0 only in a row this statement inserted (not updated): it counts new entries for stats.
    ' RETURNING (xmax = 0) AS inserted';
  const deleteCount = (where: string) =>
    `WITH d AS (DELETE FROM ${table} WHERE ${where} RETURNING 1) SELECT count(*)::int AS n FROM d`;
  return {
    get: `SELECT value FROM ${table} WHERE key = $1 AND expires_at > $2`,
    getMany: `SELECT key, value FROM ${table} WHERE key = ANY($1::text[]) AND expires_at > $2`,
    upsert: `INSERT INTO ${table} (key, value, expires_at) VALUES ($1, $2, $3) ${upsertTail}`,
    upsertMany: `INSERT INTO ${table} (key, value, expires_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ${upsertTail}`,
    // A live fence or value created at or after the entry ($4) keeps the row as it is (no row
    // returned): refreshes that read the source later win. The stamp is read from the header.
    upsertFenced:
      `INSERT INTO ${table} AS t (key, value, expires_at) VALUES ($1, $2, $3) ` +
      'ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at ' +
      `WHERE NOT (t.expires_at > $5 AND coalesce(${sqlStoredStamp('t.value')}, -1) >= $4::float8) ` +
      'RETURNING (xmax = 0) AS inserted',
    delete: `DELETE FROM ${table} WHERE key = $1 RETURNING 1 AS x`,
    deleteMany: deleteCount('key = ANY($1::text[])'),
    dropCorrupt: `DELETE FROM ${table} WHERE key = $1 AND value = $2 RETURNING 1 AS x`,
    clear: deleteCount(`key LIKE $1 ESCAPE '\\'`),
    keys: `SELECT key FROM ${table} WHERE key LIKE $1 ESCAPE '\\' AND expires_at > $2 AND NOT ${sqlIsFence('value')}`,
    count: `SELECT count(*)::int AS total, coalesce(sum(octet_length(value)), 0)::float8 AS bytes FROM ${table} WHERE key LIKE $1 ESCAPE '\\'`,
    // The outer SELECT sees the table as it was before the DELETE, hence the subtraction in prune().
    prune:
      `WITH d AS (DELETE FROM ${table} WHERE key LIKE $1 ESCAPE '\\' AND expires_at <= $2 RETURNING octet_length(value) AS b) ` +
      `SELECT (SELECT count(*)::int FROM d) AS removed, (SELECT coalesce(sum(b), 0)::float8 FROM d) AS "removedBytes", ` +
      `count(*)::int AS total, coalesce(sum(octet_length(value)), 0)::float8 AS bytes FROM ${table} WHERE key LIKE $1 ESCAPE '\\'`,
  };
}

// One statement, so it runs in one transaction: the advisory lock is held until the table and
// index exist, and a second process starting at the same moment waits, then finds them.
// (Without it, two concurrent CREATE … IF NOT EXISTS can fail with a duplicate pg_type row.)
function schemaStatement(parts: string[], unlogged: boolean): string {
  const table = parts.join('.');
  const index = `${parts[parts.length - 1]}_expires_at_idx`;
  return `DO $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('cache.ensure_schema'), hashtext('${table}'));
  CREATE ${unlogged ? 'UNLOGGED ' : ''}TABLE IF NOT EXISTS ${table} (
    key text COLLATE "C" PRIMARY KEY,
    value text NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at);
END
$$`;
}

/** Creates a Postgres tier over a `pg.Pool`, `pg.Client` or `PGlite`. */
export function postgresTier(options: PostgresTierOptions): PostgresTier {
  return new PostgresTier(options);
}
