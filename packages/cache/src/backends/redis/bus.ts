/**
 * The invalidation bus on Redis pub/sub. Each message is JSON `{"id": <instance id>, "msg": …}`
 * on one channel; an instance ignores its own. Messages carry keys, prefixes and tags only:
 * outgoing messages are rebuilt from known fields, so a value can never ride along.
 *
 * Pub/sub is fire and forget: while the subscriber connection is down, messages are lost. When
 * it comes back (ioredis `ready` after `close`/`reconnecting`/`end`), the bus subscribes again
 * and then calls `onGap()` once, so the cache can drop what it may have missed.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseBusMessage } from '../../bus/message.ts';
import { withTimeout } from '../../bus/timeout.ts';
import { type BusTopics, checkTopic, type TopicHandler, TopicHandlers } from '../../bus/topics.ts';
import { CacheArgumentError, CacheBackendError, CacheClosedError, CacheOptionsError } from '../../errors.ts';
import type { BusHandlers, BusMessage, InvalidationBus, Ms } from '../../types.ts';
import { checkDuration } from '../../validate.ts';
import { closeRedisClient, isCluster, type RedisClient, whenReady } from './client.ts';
import { redisNames } from './names.ts';
import { openSubscriber } from './subscriber.ts';

/** Redis bus options. Every default is here. */
export interface RedisBusOptions {
  /** The connection messages are published on (a command client; not closed by the bus). */
  client: RedisClient;
  /**
   * A connection used only to subscribe. Not closed by the bus. Default: one the bus opens
   * (a duplicate of `client`, or a plain connection to one cluster master) and closes.
   */
  subscriber?: Redis;
  /**
   * The namespace every instance shares; the channel is `<prefix>:bus` (see `redis/names.ts`).
   * @default 'cache:'
   */
  prefix?: string;
  /**
   * How long `subscribe()` waits for the connection. Past it, `subscribe()` resolves anyway;
   * the subscription is made when the connection comes up, followed by `onGap()`.
   * @default 5_000
   */
  subscribeTimeout?: Ms;
  /**
   * Longest wait for Redis to take a PUBLISH; past it `publish()` rejects with
   * `E_CACHE_TIER_TIMEOUT` (the message may still go out later). Keeps a frozen Redis from
   * stalling every write of the cache.
   * @default 100
   */
  publishTimeout?: Ms;
  /**
   * How often the subscriber connection is pinged. A Redis that is frozen (or a network that
   * drops packets) closes nothing, so only a late answer shows that messages are not arriving:
   * the bus then reports itself unhealthy until an answer comes, then reports a gap. Every beat
   * sends its PING, whether or not earlier ones were answered: an answer that never comes (lost on
   * the way) only counts as missed beats, and the next answer brings the bus back. Replies are
   * matched to commands in order, so once answers flow again while several PINGs stay unanswered,
   * the connection is out of step: the bus reconnects it (then reports the gap as after any drop).
   * 0 disables the heartbeat.
   * @default 500
   */
  heartbeatInterval?: Ms;
  /**
   * How long a heartbeat may go unanswered before the bus reports itself unhealthy.
   * @default 500
   */
  heartbeatTimeout?: Ms;
}

/** Counters of a {@link RedisBus}. */
export interface RedisBusStats {
  published: number;
  /** Valid messages from other instances, handed to `onMessage`. */
  received: number;
  /** This instance's own messages, echoed back by Redis and ignored. */
  ignoredOwn: number;
  /** Messages that were not JSON or not a valid bus message, ignored. */
  malformed: number;
  /** `onMessage` calls that threw (the bus keeps running). */
  handlerErrors: number;
  /** Reconnects reported through `onGap`. */
  gaps: number;
  /** Application messages sent on topics (see `bus/topics.ts`). */
  topicsPublished: number;
  /** Application messages from other instances handed to a topic handler. */
  topicsReceived: number;
  /** Whether the channel is subscribed right now. */
  subscribed: boolean;
  /** Whether messages are arriving (subscribed, heartbeat answered). */
  healthy: boolean;
  /** Heartbeats answered late (each one an unhealthy period). */
  lateHeartbeats: number;
  /** Beats that saw no answer within `heartbeatTimeout` (several per unhealthy period). */
  missedHeartbeats: number;
  /** Reconnects of the subscriber connection because PING answers had been lost on it. */
  heartbeatReconnects: number;
}

/** PINGs left unanswered, while answers flow, that show replies were lost on the connection. */
const UNANSWERED_BEFORE_RECONNECT = 3;

type State = 'idle' | 'subscribing' | 'subscribed' | 'lost' | 'closed';
type Handlers = BusHandlers;

/** The Redis bus class; create it with {@link redisBus}. */
export class RedisBus implements InvalidationBus, BusTopics {
  /** This instance's id, sent with every message so it can ignore its own. */
  readonly instanceId = randomUUID();
  readonly channel: string;
  readonly #publisher: RedisClient;
  readonly #givenSubscriber: Redis | undefined;
  readonly #subscribeTimeout: Ms;
  readonly #publishTimeout: Ms;
  readonly #heartbeatInterval: Ms;
  readonly #heartbeatTimeout: Ms;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /** PING answers so far: a beat that sees no new one within the timeout is missed. */
  #answers = 0;
  /** PINGs sent, and those settled (answered or failed), on the current connection. */
  #pings = 0;
  #settled = 0;
  #late = false;
  #reportedHealthy: boolean | undefined;
  #subscriber: Redis | undefined;
  #handlers: Handlers | undefined;
  #state: State = 'idle';
  /** Callers of `ready()` waiting for the subscription. */
  #waiters: { resolve(): void; reject(error: unknown): void }[] = [];
  readonly #stats = {
    published: 0,
    received: 0,
    ignoredOwn: 0,
    malformed: 0,
    handlerErrors: 0,
    gaps: 0,
    lateHeartbeats: 0,
    missedHeartbeats: 0,
    heartbeatReconnects: 0,
  };
  readonly #topics = new TopicHandlers();
  #topicsPublished = 0;

  constructor(options: RedisBusOptions) {
    if (!options?.client) throw new CacheOptionsError('redis bus: client is required');
    this.#publisher = options.client;
    this.#givenSubscriber = options.subscriber;
    this.channel = redisNames(options.prefix, 'redis bus').bus;
    checkDuration('subscribeTimeout', options.subscribeTimeout);
    checkDuration('publishTimeout', options.publishTimeout);
    this.#subscribeTimeout = options.subscribeTimeout ?? 5_000;
    this.#publishTimeout = options.publishTimeout ?? 100;
    checkDuration('heartbeatInterval', options.heartbeatInterval, { allowZero: true });
    checkDuration('heartbeatTimeout', options.heartbeatTimeout);
    this.#heartbeatInterval = options.heartbeatInterval ?? 500;
    this.#heartbeatTimeout = options.heartbeatTimeout ?? 500;
  }

  /** Whether messages are arriving now: subscribed, and the last heartbeat was answered in time. */
  get healthy(): boolean {
    return this.#state === 'subscribed' && !this.#late;
  }

  /**
   * The connection a message goes out on. A cluster sends a PUBLISH (which names no key) to any
   * node, and two messages through two nodes can arrive in the other order: every message goes
   * through one master (the first by address) so they arrive in the order they were sent.
   */
  #publishVia(): Redis | RedisClient {
    const client = this.#publisher;
    if (!isCluster(client)) return client;
    const address = (node: Redis) => `${node.options.host}:${node.options.port}`;
    const masters = client.nodes('master');
    return masters.length === 0 ? client : masters.reduce((a, b) => (address(a) <= address(b) ? a : b));
  }

  /** Publishes to every other instance; rejects when Redis cannot take it within `publishTimeout`. */
  async publish(message: BusMessage): Promise<void> {
    if (this.#state === 'closed') throw new CacheClosedError();
    const msg = parseBusMessage(message);
    if (!msg) throw new CacheArgumentError(`not a bus message: ${JSON.stringify(message)}`);
    const payload = JSON.stringify({ id: this.instanceId, msg });
    await withTimeout(this.#publishVia().publish(this.channel, payload), this.#publishTimeout, 'bus', 'publish');
    this.#stats.published++;
  }

  /** Sends application data on `topic` to the other instances (same channel, same timeout). */
  async publishTopic(topic: string, data: unknown): Promise<void> {
    if (this.#state === 'closed') throw new CacheClosedError();
    checkTopic(topic);
    const payload = JSON.stringify({ id: this.instanceId, topic, data });
    await withTimeout(this.#publishVia().publish(this.channel, payload), this.#publishTimeout, 'bus', 'publish');
    this.#topicsPublished++;
  }

  /** Listens on an application topic; returns the function that stops. */
  onTopic(topic: string, handler: TopicHandler): () => void {
    return this.#topics.add(topic, handler);
  }

  /** Subscribes (once per bus). Resolves when subscribed, or after `subscribeTimeout` (see the options). */
  async subscribe(handlers: Handlers): Promise<void> {
    if (this.#state === 'closed') throw new CacheClosedError();
    if (this.#handlers) throw new CacheArgumentError('redis bus: subscribe() was already called');
    this.#handlers = handlers;
    this.#state = 'subscribing';
    try {
      this.#subscriber = this.#givenSubscriber ?? (await openSubscriber(this.#publisher, this.#subscribeTimeout));
    } catch {
      // A cluster not ready yet: retrying needs a node address, so give up on this bus loudly.
      this.#state = 'idle';
      this.#handlers = undefined;
      throw new CacheBackendError(`redis bus: no connection to subscribe on after ${this.#subscribeTimeout} ms`);
    }
    const subscriber = this.#subscriber;
    subscriber.on('message', this.#onMessage);
    subscriber.on('ready', this.#onReady);
    for (const event of ['close', 'reconnecting', 'end']) subscriber.on(event, this.#onDrop);
    try {
      await whenReady(subscriber, this.#subscribeTimeout);
      await subscriber.subscribe(this.channel);
      if (this.#state === 'subscribing') this.#setSubscribed();
    } catch {
      // Not up yet: `#onReady` subscribes when it is, and reports the gap.
      if (this.#state === 'subscribing') this.#state = 'lost';
    }
    this.#reportHealth();
    this.#startHeartbeat();
  }

  /**
   * Resolves once the channel is subscribed (at once when it is; after a lost connection, when
   * it is subscribed again). Rejects if the bus is closed first. Call after `subscribe()`.
   */
  ready(): Promise<void> {
    if (this.#state === 'subscribed') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new CacheClosedError());
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Counters, read cheaply. */
  stats(): RedisBusStats {
    return {
      ...this.#stats,
      handlerErrors: this.#stats.handlerErrors + this.#topics.errors,
      topicsPublished: this.#topicsPublished,
      topicsReceived: this.#topics.received,
      subscribed: this.#state === 'subscribed',
      healthy: this.healthy,
    };
  }

  /** Unsubscribes and closes the subscriber connection if the bus opened it. Never closes the publisher. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearInterval(this.#heartbeat);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(new CacheClosedError());
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    this.#handlers = undefined;
    if (!subscriber) return;
    subscriber.off('message', this.#onMessage);
    subscriber.off('ready', this.#onReady);
    for (const event of ['close', 'reconnecting', 'end']) subscriber.off(event, this.#onDrop);
    if (subscriber === this.#givenSubscriber) await subscriber.unsubscribe(this.channel).catch(() => {});
    else await closeRedisClient(subscriber);
  }

  #setSubscribed(): void {
    this.#state = 'subscribed';
    this.#late = false;
    this.#reportHealth();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  /** Tells the cache when `healthy` changed since it was last told. */
  #reportHealth(): void {
    const healthy = this.healthy;
    if (healthy === this.#reportedHealthy || this.#handlers === undefined) return;
    this.#reportedHealthy = healthy;
    this.#handlers.onHealth?.(healthy);
  }

  #startHeartbeat(): void {
    if (this.#heartbeatInterval === 0 || this.#heartbeat !== undefined || this.#state === 'closed') return;
    this.#heartbeat = setInterval(() => this.#beat(), this.#heartbeatInterval);
    (this.#heartbeat as { unref?: () => void }).unref?.();
  }

  /**
   * One heartbeat: PING on the subscriber connection (allowed while subscribed). Its deadline is
   * `heartbeatTimeout`: a beat that sees no answer by then (to this PING or any earlier one) is
   * missed and makes the bus unhealthy. Replies come back in order, so after a lost reply the
   * answer to a later PING may settle an earlier one: any answer counts as the connection's.
   */
  #beat(): void {
    const subscriber = this.#subscriber;
    if (this.#state !== 'subscribed' || subscriber === undefined) return;
    if (!this.#late && this.#pings - this.#settled > UNANSWERED_BEFORE_RECONNECT) {
      // Answers arrive again but PINGs stay unanswered: replies were lost and every later one is
      // taken for an earlier command's. A new connection puts them back in step (the commands
      // still waiting are sent again on it); the drop and the gap are reported as usual.
      this.#stats.heartbeatReconnects++;
      this.#pings = 0;
      this.#settled = 0;
      subscriber.disconnect(true);
      return;
    }
    const answersBefore = this.#answers;
    const timer = setTimeout(() => {
      // Timers run before I/O in a loop turn: after a stall of this process, let an answer that
      // is already in the socket be read before calling the beat missed.
      setImmediate(() => {
        if (this.#answers !== answersBefore || this.#state !== 'subscribed') return;
        this.#stats.missedHeartbeats++;
        if (this.#late) return;
        this.#late = true;
        this.#stats.lateHeartbeats++;
        this.#reportHealth();
      });
    }, this.#heartbeatTimeout);
    (timer as { unref?: () => void }).unref?.();
    this.#pings++;
    const connection = this.#stats.heartbeatReconnects;
    const settled = () => {
      clearTimeout(timer);
      if (connection === this.#stats.heartbeatReconnects) this.#settled++;
    };
    subscriber.ping().then(
      () => {
        settled();
        this.#answered();
      },
      // The connection failed (closed, reset): its drop handler reports that.
      settled,
    );
  }

  #answered(): void {
    this.#answers++;
    if (!this.#late || this.#state !== 'subscribed') return;
    // Messages sent while Redis did not answer may be lost or late: report the gap, then health.
    this.#late = false;
    this.#stats.gaps++;
    this.#handlers?.onGap();
    this.#reportHealth();
  }

  readonly #onDrop = (): void => {
    if (this.#state === 'subscribed') {
      this.#state = 'lost';
      this.#reportHealth();
    }
  };

  readonly #onReady = (): void => {
    if (this.#state !== 'lost') return;
    this.#state = 'subscribing';
    // ioredis re-subscribes by itself too; subscribing here tells us when it is done.
    this.#subscriber?.subscribe(this.channel).then(
      () => {
        if (this.#state !== 'subscribing') return;
        this.#stats.gaps++;
        this.#handlers?.onGap();
        this.#setSubscribed();
      },
      () => {
        if (this.#state === 'subscribing') this.#state = 'lost';
      },
    );
  };

  readonly #onMessage = (channel: string, text: string): void => {
    if (channel !== this.channel || !this.#handlers) return;
    let envelope: { id?: unknown; msg?: unknown; topic?: unknown; data?: unknown };
    try {
      envelope = JSON.parse(text);
    } catch {
      this.#stats.malformed++;
      return;
    }
    if (typeof envelope === 'object' && envelope !== null && 'topic' in envelope) {
      if (envelope.id === this.instanceId) this.#stats.ignoredOwn++;
      else if (!this.#topics.dispatch(envelope)) this.#stats.malformed++;
      return;
    }
    const msg = typeof envelope === 'object' && envelope !== null ? parseBusMessage(envelope.msg) : undefined;
    if (!msg || typeof envelope.id !== 'string') {
      this.#stats.malformed++;
      return;
    }
    if (envelope.id === this.instanceId) {
      this.#stats.ignoredOwn++;
      return;
    }
    this.#stats.received++;
    try {
      this.#handlers.onMessage(msg);
    } catch {
      // A throwing handler must not break the connection's event loop for later messages.
      this.#stats.handlerErrors++;
    }
  };
}

/** Creates a Redis invalidation bus. */
export function redisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options);
}
