/**
 * Domain events to browsers: every write publishes here after invalidating the cache; each
 * instance pushes the events to its own SSE connections, filtered per user. With Redis, events
 * cross instances on one pub/sub channel (they carry ids and keys, never data).
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@agiletrack/cache/tiers/redis';
import { type DomainEvent, DomainEventSchema } from '@agiletrack/domain';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** An event as pushed to browsers: the domain event plus the cache keys it made stale. */
export type PushedEvent = DomainEvent & { readonly keys: readonly string[] };

/** See the file comment. */
export class EventHub {
  readonly #listeners = new Set<(event: PushedEvent) => void>();
  readonly #origin = randomUUID();
  #subscriber: Redis | undefined;

  readonly #channel: string;

  constructor(
    readonly redis: RedisClient | undefined,
    readonly logger: Logger,
    prefix = 'agiletrack:v1:',
  ) {
    this.#channel = `${prefix}events`;
  }

  /** Starts receiving events from other instances. */
  async start(): Promise<void> {
    if (!this.redis) return;
    const subscriber =
      'duplicate' in this.redis && typeof this.redis.duplicate === 'function'
        ? (this.redis as Redis).duplicate({ enableOfflineQueue: true })
        : undefined;
    if (!subscriber) return;
    this.#subscriber = subscriber;
    subscriber.on('error', () => {
      // The command client logs connection problems; this one reconnects by itself.
    });
    subscriber.on('message', (_channel: string, raw: string) => this.#receive(raw));
    await subscriber
      .subscribe(this.#channel)
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'event channel'));
  }

  /** Delivers to local listeners and to other instances. */
  async publish(event: PushedEvent): Promise<void> {
    this.#deliver(event);
    if (!this.redis) return;
    await this.redis
      .publish(this.#channel, JSON.stringify({ origin: this.#origin, event }))
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'could not publish event to other instances'));
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
    await this.#subscriber?.quit().catch(() => this.#subscriber?.disconnect());
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
