/**
 * Application messages on the invalidation bus: one connection and one channel per backend
 * carry both the cache's invalidations and whatever the application sends on named topics
 * (domain events, monitoring). The cache never sees topic messages, and topic messages carry
 * exactly the JSON the application hands over — keep values out of them.
 */
import { CacheArgumentError } from '../errors.ts';

/** A handler of one topic: the decoded data and the id of the instance that sent it. */
export type TopicHandler = (data: unknown, from: string) => void;

/** What a bus offers the application besides invalidations. */
export interface BusTopics {
  /** This instance's id (what receivers see as `from`). */
  readonly instanceId: string;
  /** Sends `data` (JSON-serializable) to every other instance listening on `topic`. */
  publishTopic(topic: string, data: unknown): Promise<void>;
  /** Listens on `topic`; returns the function that stops. Messages arrive once the cache subscribed the bus. */
  onTopic(topic: string, handler: TopicHandler): () => void;
}

const TOPIC = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Checks a topic name; throws a `TypeError` naming it. */
export function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || !TOPIC.test(topic)) {
    throw new CacheArgumentError(`bus topic must match ${TOPIC}, got ${JSON.stringify(topic)}`);
  }
}

/** The handlers of every topic of one bus, and their dispatch. */
export class TopicHandlers {
  readonly #handlers = new Map<string, Set<TopicHandler>>();
  /** Topic messages handed to a handler. */
  received = 0;
  /** Handlers that threw (the bus keeps running). */
  errors = 0;

  /** Registers `handler`; returns the function that removes it. */
  add(topic: string, handler: TopicHandler): () => void {
    checkTopic(topic);
    let set = this.#handlers.get(topic);
    if (!set) {
      set = new Set();
      this.#handlers.set(topic, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /** Delivers one message; `true` when it was a topic envelope (`{id, topic, data}`). */
  dispatch(envelope: { id?: unknown; topic?: unknown; data?: unknown }): boolean {
    if (typeof envelope.topic !== 'string' || typeof envelope.id !== 'string') return false;
    const set = this.#handlers.get(envelope.topic);
    if (!set || set.size === 0) return true;
    this.received++;
    for (const handler of set) {
      try {
        handler(envelope.data, envelope.id);
      } catch {
        this.errors++;
      }
    }
    return true;
  }
}
