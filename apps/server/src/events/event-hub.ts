/**
 * Domain events to browsers: every write publishes here after invalidating the cache; each
 * instance pushes the events to its own SSE connections, filtered per user. Between instances,
 * events ride the cache's invalidation bus on the `events` topic (Redis pub/sub, or PostgreSQL
 * LISTEN/NOTIFY without Redis), so one connection and one reconnect logic serve both. They carry
 * ids and keys, never data. Admins' connections also get server alerts on the same stream.
 */
import type { BusTopics } from '@agiletrack/cache';
import { type Alert, type DomainEvent, DomainEventSchema } from '@agiletrack/domain';
import type { Logger } from 'pino';

/** An event as pushed to browsers: the domain event plus the cache keys it made stale. */
export type PushedEvent = DomainEvent & { readonly keys: readonly string[] };

const TOPIC = 'events';

/** See the file comment. */
export class EventHub {
  readonly #listeners = new Set<(event: PushedEvent) => void>();
  readonly #alertListeners = new Set<(alert: Alert) => void>();
  #off: (() => void) | undefined;

  constructor(
    readonly topics: BusTopics | undefined,
    readonly logger: Logger,
  ) {}

  /** Starts receiving events from other instances. */
  async start(): Promise<void> {
    this.#off ??= this.topics?.onTopic(TOPIC, (data) => this.#receive(data));
  }

  /** Delivers to local listeners and to other instances. */
  async publish(event: PushedEvent): Promise<void> {
    this.#deliver(event);
    if (!this.topics) return;
    await this.topics
      .publishTopic(TOPIC, event)
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'could not publish event to other instances'));
  }

  /** Pushes an alert of this instance to the local connections (the SSE route shows it to admins only). */
  alert(alert: Alert): void {
    for (const listener of this.#alertListeners) listener(alert);
  }

  /** Registers a listener (an SSE connection); returns the function that removes it. */
  subscribe(listener: (event: PushedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Registers an alert listener (an admin's SSE connection); returns the function that removes it. */
  onAlert(listener: (alert: Alert) => void): () => void {
    this.#alertListeners.add(listener);
    return () => this.#alertListeners.delete(listener);
  }

  /** How many SSE connections listen on this instance. */
  get listeners(): number {
    return this.#listeners.size;
  }

  async close(): Promise<void> {
    this.#off?.();
    this.#listeners.clear();
    this.#alertListeners.clear();
  }

  #receive(data: unknown): void {
    try {
      const event = DomainEventSchema.parse(data);
      const raw = (data as { keys?: unknown }).keys;
      const keys = Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string') : [];
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
