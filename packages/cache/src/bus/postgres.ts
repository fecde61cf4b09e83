/**
 * Invalidation without Redis: a bus on PostgreSQL `LISTEN`/`NOTIFY` and a tag store in a table.
 * With several instances on one PostgreSQL and no Redis, deletes, clears and tag invalidations
 * made on one instance evict the L1 copies of the others, and a listener that lost its
 * connection reports a gap when it is back (the cache then drops its local entries).
 *
 *   const bus = postgresBus({ client: pool, listen: pgListener(() => new pg.Client(connectionString)) });
 *   const tags = postgresTagStore({ client: pool });  await tags.init();
 *
 * The module loads no driver: node-postgres and PGlite are passed in by the caller.
 *
 * Messages carry keys, prefixes and tags, never values; a NOTIFY payload holds at most 8000
 * bytes, so large key lists are sent in several messages.
 */
import { randomUUID } from 'node:crypto';
import { TagTimes } from '../core/tag-times.ts';
import { CacheClosedError, CacheOptionsError } from '../errors.ts';
import type { SqlClient } from '../tiers/postgres.ts';
import type { BusHandlers, BusMessage, InvalidationBus, Ms, TagStore } from '../types.ts';
import { checkDuration } from '../validate.ts';
import { parseBusMessage } from './message.ts';
import { withTimeout } from './timeout.ts';
import { type BusTopics, checkTopic, type TopicHandler, TopicHandlers } from './topics.ts';

/** An open listening connection. */
export interface PgListening {
  close(): Promise<void>;
}

/**
 * Opens a connection that listens on `channel`, calling `onPayload` for each notification and
 * `onLost` once if the connection drops. Use {@link pgListener} or {@link pgliteListener}.
 */
export type PgListenerFactory = (
  channel: string,
  onPayload: (payload: string) => void,
  onLost: () => void,
) => Promise<PgListening>;

/** The part of a node-postgres `Client` a listener uses. */
export interface PgListenClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error' | 'end', listener: () => void): unknown;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
}

/**
 * Listens through a dedicated node-postgres connection (LISTEN needs one connection of its own).
 * `connect` returns a new, unconnected client each time it is called (after a drop, a fresh one
 * is made): `pgListener(() => new pg.Client(connectionString))`.
 */
export function pgListener(connect: () => PgListenClient): PgListenerFactory {
  if (typeof connect !== 'function') {
    throw new CacheOptionsError('pgListener needs a function returning a new pg.Client');
  }
  return async (channel, onPayload, onLost) => {
    const client = connect();
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      onLost();
    };
    client.on('error', lose);
    client.on('end', lose);
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      // The caller retries with a fresh client: this one must not linger half-open.
      lost = true;
      await client.end().catch(() => {});
      throw error;
    }
    return {
      close: async () => {
        lost = true;
        await client.end().catch(() => {});
      },
    };
  };
}

/** Listens inside a PGlite database (one process: notifications never get lost). */
export function pgliteListener(db: {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}): PgListenerFactory {
  return async (channel, onPayload) => {
    const unlisten = await db.listen(channel, onPayload);
    return { close: () => unlisten() };
  };
}

/** Options of {@link postgresBus}. */
export interface PostgresBusOptions {
  /** Sends the notifications (a pool, a client or PGlite). */
  client: SqlClient;
  /** Opens the listening connection (again after it drops). */
  listen: PgListenerFactory;
  /**
   * The channel every instance shares: a lower-case SQL identifier.
   * @default 'cache_bus'
   */
  channel?: string;
  /**
   * Longest wait for PostgreSQL to take a NOTIFY; past it `publish()` rejects.
   * @default 200
   */
  publishTimeout?: Ms;
  /**
   * Longest wait between reconnect attempts of the listener (backoff doubles from 100 ms).
   * @default 5_000
   */
  maxReconnectDelay?: Ms;
}

// NOTIFY payloads are limited to 8000 bytes; stay well below with room for the envelope.
const MAX_PAYLOAD = 7_000;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
type Handlers = BusHandlers;

/** Splits a message whose key list would not fit one payload. */
function chunks(message: BusMessage, overhead: number): BusMessage[] {
  if (message.type !== 'delete' && message.type !== 'set') return [message];
  const out: BusMessage[] = [];
  let batch: string[] = [];
  let size = overhead;
  for (const key of message.keys) {
    const cost = Buffer.byteLength(JSON.stringify(key)) + 1;
    if (batch.length > 0 && size + cost > MAX_PAYLOAD) {
      out.push({ ...message, keys: batch });
      batch = [];
      size = overhead;
    }
    batch.push(key);
    size += cost;
  }
  out.push({ ...message, keys: batch });
  return out;
}

/** The PostgreSQL bus; create it with {@link postgresBus}. */
export class PostgresBus implements InvalidationBus, BusTopics {
  readonly instanceId = randomUUID();
  readonly channel: string;
  readonly stats = {
    published: 0,
    received: 0,
    ignoredOwn: 0,
    malformed: 0,
    gaps: 0,
    reconnects: 0,
    topicsPublished: 0,
  };
  readonly #topics = new TopicHandlers();
  readonly #o: Required<Omit<PostgresBusOptions, 'channel'>>;
  #handlers: Handlers | undefined;
  #listening: PgListening | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Callers of `ready()` waiting for the listener. */
  #waiters: { resolve(): void; reject(error: unknown): void }[] = [];

  constructor(options: PostgresBusOptions) {
    if (!options?.client || typeof options.listen !== 'function') {
      throw new CacheOptionsError('postgres bus: client and listen are required');
    }
    this.channel = options.channel ?? 'cache_bus';
    if (!CHANNEL.test(this.channel)) throw new CacheOptionsError(`postgres bus: channel must match ${CHANNEL}`);
    checkDuration('publishTimeout', options.publishTimeout);
    checkDuration('maxReconnectDelay', options.maxReconnectDelay);
    this.#o = { publishTimeout: 200, maxReconnectDelay: 5_000, ...options };
  }

  async publish(message: BusMessage): Promise<void> {
    if (this.#closed) throw new CacheClosedError();
    const msg = parseBusMessage(message);
    if (!msg) throw new TypeError(`not a bus message: ${JSON.stringify(message)}`);
    const overhead = Buffer.byteLength(JSON.stringify({ id: this.instanceId, msg: { ...msg, keys: [] } }));
    for (const part of chunks(msg, overhead)) {
      const payload = JSON.stringify({ id: this.instanceId, msg: part });
      await withTimeout(
        this.#o.client.query('SELECT pg_notify($1, $2)', [this.channel, payload]),
        this.#o.publishTimeout,
        'bus',
        'publish',
      );
      this.stats.published++;
    }
  }

  /** Sends application data on `topic` (one NOTIFY; rejects above the payload limit). */
  async publishTopic(topic: string, data: unknown): Promise<void> {
    if (this.#closed) throw new CacheClosedError();
    checkTopic(topic);
    const payload = JSON.stringify({ id: this.instanceId, topic, data });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
      throw new RangeError(`postgres bus: topic message of ${Buffer.byteLength(payload)} bytes exceeds ${MAX_PAYLOAD}`);
    }
    await withTimeout(
      this.#o.client.query('SELECT pg_notify($1, $2)', [this.channel, payload]),
      this.#o.publishTimeout,
      'bus',
      'publish',
    );
    this.stats.topicsPublished++;
  }

  /** Listens on an application topic; returns the function that stops. */
  onTopic(topic: string, handler: TopicHandler): () => void {
    return this.#topics.add(topic, handler);
  }

  /** Application messages from other instances handed to a topic handler. */
  get topicsReceived(): number {
    return this.#topics.received;
  }

  async subscribe(handlers: Handlers): Promise<void> {
    if (this.#closed) throw new CacheClosedError();
    if (this.#handlers) throw new Error('postgres bus: subscribe() was already called');
    this.#handlers = handlers;
    await this.#connect(0, false);
  }

  /** Whether the listening connection is up (notifications are arriving). */
  get healthy(): boolean {
    return !this.#closed && this.#listening !== undefined;
  }

  /**
   * Resolves once the listening connection is up (at once when it is; after a drop, when it is
   * back). Rejects if the bus is closed first. Call after `subscribe()`.
   */
  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new CacheClosedError());
    if (this.#listening !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#flushWaiters(new CacheClosedError());
    await this.#listening?.close();
  }

  async #connect(attempt: number, afterLoss: boolean): Promise<void> {
    if (this.#closed) return;
    try {
      this.#listening = await this.#o.listen(
        this.channel,
        (payload) => this.#receive(payload),
        () => this.#lost(),
      );
      if (afterLoss) {
        // Whatever was published while we were away is gone: tell the cache.
        this.stats.gaps++;
        this.#handlers?.onGap();
        this.#handlers?.onHealth?.(true);
      }
      this.#flushWaiters();
    } catch {
      // Not listening: anything published meanwhile is missed, so the eventual connect is a gap.
      if (!afterLoss) this.#handlers?.onHealth?.(false);
      const delay = Math.min(this.#o.maxReconnectDelay, 100 * 2 ** Math.min(attempt, 10));
      this.#timer = setTimeout(() => void this.#connect(attempt + 1, true), delay);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  #flushWaiters(error?: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  #lost(): void {
    if (this.#closed) return;
    this.stats.reconnects++;
    this.#listening = undefined;
    this.#handlers?.onHealth?.(false);
    void this.#connect(0, true);
  }

  #receive(payload: string): void {
    let parsed: { id?: unknown; msg?: unknown; topic?: unknown; data?: unknown };
    try {
      parsed = JSON.parse(payload) as typeof parsed;
    } catch {
      this.stats.malformed++;
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) {
      this.stats.malformed++;
      return;
    }
    if (parsed.id === this.instanceId) {
      this.stats.ignoredOwn++;
      return;
    }
    if ('topic' in parsed) {
      if (!this.#topics.dispatch(parsed)) this.stats.malformed++;
      return;
    }
    const msg = parseBusMessage(parsed.msg);
    if (!msg) {
      this.stats.malformed++;
      return;
    }
    this.stats.received++;
    this.#handlers?.onMessage(msg);
  }
}

/** Creates a PostgreSQL bus. */
export function postgresBus(options: PostgresBusOptions): PostgresBus {
  return new PostgresBus(options);
}

/** Options of {@link postgresTagStore}. */
export interface PostgresTagStoreOptions {
  client: SqlClient;
  /**
   * The table of tag invalidation stamps (created if missing).
   * @default 'cache_tags'
   */
  table?: string;
  /** Longest wait on `invalidate` and `refresh`. @default 500 */
  timeout?: Ms;
}

const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Tag invalidation stamps in a table, with a local copy for synchronous reads. */
export class PostgresTagStore implements TagStore {
  readonly table: string;
  readonly #client: SqlClient;
  readonly #times = new TagTimes();
  readonly #timeout: Ms;
  #schema: Promise<void> | undefined;

  constructor(options: PostgresTagStoreOptions) {
    if (!options?.client) throw new CacheOptionsError('postgres tag store: client is required');
    this.table = options.table ?? 'cache_tags';
    if (!TABLE.test(this.table)) throw new CacheOptionsError(`postgres tag store: table must match ${TABLE}`);
    checkDuration('timeout', options.timeout);
    this.#client = options.client;
    this.#timeout = options.timeout ?? 500;
  }

  invalidatedAt(tag: string): Ms | undefined {
    return this.#times.get(tag);
  }

  /** Records locally at once, then persists (keeping the larger stamp). */
  async invalidate(tags: readonly string[], at: Ms): Promise<void> {
    this.remember(tags, at);
    if (tags.length === 0) return;
    await this.#ensure();
    await withTimeout(
      this.#client.query(
        `INSERT INTO ${this.table} AS t (tag, at) SELECT unnest($1::text[]), $2::float8 ON CONFLICT (tag) DO UPDATE SET at = GREATEST(t.at, excluded.at)`,
        [[...new Set(tags)], at],
      ),
      this.#timeout,
      'tag-store',
      'invalidate',
    );
  }

  remember(tags: readonly string[], at: Ms): void {
    this.#times.remember(tags, at);
  }

  /** Reloads every stamp, keeping the larger of local and stored. */
  async refresh(): Promise<void> {
    await this.#ensure();
    const { rows } = await withTimeout(
      this.#client.query(`SELECT tag, at FROM ${this.table}`),
      this.#timeout,
      'tag-store',
      'refresh',
    );
    for (const row of rows as { tag: string; at: number }[]) {
      if (Number.isFinite(Number(row.at))) this.remember([row.tag], Number(row.at));
    }
  }

  /** Forgets stamps older than `before`, here and in the table. */
  async prune(before: Ms): Promise<number> {
    const removed = this.#times.prune(before);
    await this.#ensure();
    const { rows } = await withTimeout(
      this.#client.query(`DELETE FROM ${this.table} WHERE at < $1 RETURNING 1 AS x`, [before]),
      this.#timeout,
      'tag-store',
      'prune',
    );
    return Math.max(removed, rows.length);
  }

  /** Creates the table if needed and loads the stored stamps; call once at startup. */
  init(): Promise<void> {
    return this.refresh();
  }

  #ensure(): Promise<void> {
    this.#schema ??= (async () => {
      const create = `CREATE TABLE IF NOT EXISTS ${this.table} (tag text PRIMARY KEY, at double precision NOT NULL)`;
      try {
        await this.#client.query(create);
      } catch {
        // Two processes creating it at once: the loser sees a duplicate type; the table exists now.
        await this.#client.query(create);
      }
    })().catch((error: unknown) => {
      this.#schema = undefined;
      throw error;
    });
    return this.#schema;
  }
}

/** Creates a PostgreSQL tag store. */
export function postgresTagStore(options: PostgresTagStoreOptions): PostgresTagStore {
  return new PostgresTagStore(options);
}
export type { BusTopics, TopicHandler } from './topics.ts';
