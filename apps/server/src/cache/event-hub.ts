/**
 * Domain events to browsers: every write publishes here after invalidating the cache; each
 * instance pushes the events to its own SSE connections, filtered per user. Between instances,
 * events travel on Redis pub/sub, or on PostgreSQL LISTEN/NOTIFY without Redis (they carry ids
 * and keys, never data).
 */
import { randomUUID } from 'node:crypto';
import type { PgListenerFactory, PgListening } from '@agiletrack/cache/bus/postgres';
import type { SqlClient } from '@agiletrack/cache/tiers/postgres';
import type { RedisClient } from '@agiletrack/cache/tiers/redis';
import { type DomainEvent, DomainEventSchema } from '@agiletrack/domain';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** An event as pushed to browsers: the domain event plus the cache keys it made stale. */
export type PushedEvent = DomainEvent & { readonly keys: readonly string[] };

/** How events reach other instances. */
export interface EventTransport {
  publish(payload: string): Promise<void>;
  /** Starts delivering payloads from other instances (and our own: the hub filters them). */
  start(onPayload: (payload: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** Events on a Redis pub/sub channel (a duplicate connection subscribes). */
export function redisEvents(redis: RedisClient, channel: string): EventTransport {
  let subscriber: Redis | undefined;
  return {
    publish: async (payload) => {
      await redis.publish(channel, payload);
    },
    async start(onPayload) {
      if (!('duplicate' in redis) || typeof redis.duplicate !== 'function') return;
      subscriber = (redis as Redis).duplicate({ enableOfflineQueue: true });
      subscriber.on('error', () => {
        // The command client logs connection problems; this one reconnects by itself.
      });
      subscriber.on('message', (_channel: string, raw: string) => onPayload(raw));
      await subscriber.subscribe(channel);
    },
    async close() {
      await subscriber?.quit().catch(() => subscriber?.disconnect());
    },
  };
}

/** Events on a PostgreSQL LISTEN/NOTIFY channel. */
export function postgresEvents(client: SqlClient, listen: PgListenerFactory, channel: string): EventTransport {
  let listening: PgListening | undefined;
  let closed = false;
  let onPayloadRef: ((payload: string) => void) | undefined;
  const open = async (): Promise<void> => {
    if (closed || !onPayloadRef) return;
    try {
      listening = await listen(channel, onPayloadRef, () => {
        // Reconnect after a short pause; events published meanwhile are lost (the cache side
        // has its own gap handling; browsers re-validate on their next read).
        setTimeout(() => void open(), 500).unref();
      });
    } catch {
      setTimeout(() => void open(), 1_000).unref();
    }
  };
  return {
    publish: async (payload) => {
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async start(onPayload) {
      onPayloadRef = onPayload;
      await open();
    },
    async close() {
      closed = true;
      await listening?.close();
    },
  };
}

/** How long a write waits for its event to reach the other instances' transport. */
const PUBLISH_DEADLINE_MS = 100;

/** See the file comment. */
export class EventHub {
  readonly #listeners = new Set<(event: PushedEvent) => void>();
  readonly #origin = randomUUID();

  constructor(
    readonly transport: EventTransport | undefined,
    readonly logger: Logger,
  ) {}

  /** Starts receiving events from other instances. */
  async start(): Promise<void> {
    await this.transport
      ?.start((raw) => this.#receive(raw))
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'event channel'));
  }

  /**
   * Delivers to local listeners and to other instances. A sick transport (a frozen Redis) holds
   * no request: past `PUBLISH_DEADLINE_MS` the write answers anyway; browsers on other instances
   * then learn of the change on their next revalidation instead.
   */
  async publish(event: PushedEvent): Promise<void> {
    this.#deliver(event);
    if (!this.transport) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn('event publish to other instances is late: not waiting for it');
        resolve();
      }, PUBLISH_DEADLINE_MS);
    });
    const sent = this.transport
      .publish(JSON.stringify({ origin: this.#origin, event }))
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'could not publish event to other instances'));
    await Promise.race([sent, deadline]).finally(() => clearTimeout(timer));
  }

  /** Registers a listener (an SSE connection); returns the function that removes it. */
  subscribe(listener: (event: PushedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many SSE connections listen on this instance. */
  get listeners(): number {
    return this.#listeners.size;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.transport?.close();
  }

  #receive(raw: string): void {
    try {
      const message = JSON.parse(raw) as { origin?: unknown; event?: { keys?: unknown } };
      if (message.origin === this.#origin) return;
      const event = DomainEventSchema.parse(message.event);
      const keys = Array.isArray(message.event?.keys)
        ? message.event.keys.filter((k): k is string => typeof k === 'string')
        : [];
      this.#deliver({ ...event, keys });
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'ignored a malformed event from another instance');
    }
  }

  #deliver(event: PushedEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'event listener failed');
      }
    }
  }
}
