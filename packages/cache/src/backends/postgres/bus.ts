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
import { parseBusMessage } from '../../bus/message.ts';
import { withTimeout } from '../../bus/timeout.ts';
import { type BusTopics, checkTopic, type TopicHandler, TopicHandlers } from '../../bus/topics.ts';
import { CacheArgumentError, CacheClosedError, CacheOptionsError } from '../../errors.ts';
import type { BusHandlers, BusMessage, InvalidationBus, Ms } from '../../types.ts';
import { checkDuration } from '../../validate.ts';
import type { PgListenerFactory, PgListening } from './listener.ts';
import { SQL_IDENTIFIER, type SqlClient } from './sql.ts';

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
    if (!SQL_IDENTIFIER.test(this.channel))
      throw new CacheOptionsError(`postgres bus: channel must match ${SQL_IDENTIFIER}`);
    checkDuration('publishTimeout', options.publishTimeout);
    checkDuration('maxReconnectDelay', options.maxReconnectDelay);
    this.#o = { publishTimeout: 200, maxReconnectDelay: 5_000, ...options };
  }

  async publish(message: BusMessage): Promise<void> {
    if (this.#closed) throw new CacheClosedError();
    const msg = parseBusMessage(message);
    if (!msg) throw new CacheArgumentError(`not a bus message: ${JSON.stringify(message)}`);
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
      throw new CacheArgumentError(
        `postgres bus: topic message of ${Buffer.byteLength(payload)} bytes exceeds ${MAX_PAYLOAD}`,
      );
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
    if (this.#handlers) throw new CacheArgumentError('postgres bus: subscribe() was already called');
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
