/**
 * The live monitor: cache operations of every instance, streamed to whoever watches (admin SSE,
 * `cache:monitor`). Off when nobody watches anywhere: an instance taps its cache only while it
 * has a watcher or another instance announced one, and publishes operations on the bus only
 * in the latter case, so an unwatched deployment sends nothing.
 *
 * An instance with watchers announces it on the bus (`monitor.watch`, again every few seconds,
 * and once more with `until: 0` when its last watcher leaves); the others publish their sampled
 * operations in small batches (`monitor.ops`).
 */
import type { BusTopics } from '@agiletrack/cache';
import { type CacheOp, CacheOpSchema, type MonitorQuery } from '@agiletrack/domain';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { LocalOp, OperationTap } from './operations.ts';

const WATCH_TOPIC = 'monitor.watch';
const OPS_TOPIC = 'monitor.ops';
// Keeps a NOTIFY payload (8000 bytes at most) safe with long keys.
const MAX_BATCH = 25;
const MAX_KEY = 200;

const WatchSchema = z.object({ until: z.number() });
const OpsSchema = z.object({ ops: z.array(CacheOpSchema).max(MAX_BATCH) });

/** Monitor settings. */
export interface MonitorOptions {
  tap: OperationTap;
  topics: BusTopics | undefined;
  /** This instance's id, as ops carry it. */
  instance: string;
  logger: Logger;
  /** Operations streamed per second and instance; the rest are counted as dropped. @default 200 */
  maxOpsPerSecond?: number;
  /** How often a watching instance renews its announcement. @default 5_000 */
  heartbeatMs?: number;
  /** How long between the ops batches an instance publishes. @default 50 */
  flushMs?: number;
  now?: () => number;
}

/** Counters of the monitor. */
export interface MonitorStats {
  watchers: number;
  remoteWatchers: number;
  published: number;
  received: number;
  dropped: number;
}

interface Watcher {
  filter: MonitorQuery;
  send(op: CacheOp): void;
}

const matches = (filter: MonitorQuery, op: CacheOp): boolean =>
  (filter.family === undefined || op.family === filter.family) &&
  (filter.outcome === undefined || op.outcome === filter.outcome) &&
  (filter.instance === undefined || op.instance === filter.instance);

/** See the file comment. */
export class CacheMonitor {
  readonly #o: Required<Omit<MonitorOptions, 'topics'>> & { topics: BusTopics | undefined };
  readonly #watchers = new Set<Watcher>();
  readonly #remote = new Map<string, number>();
  readonly #offTopics: (() => void)[] = [];
  #untap: (() => void) | undefined;
  #outbox: CacheOp[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #expiry: ReturnType<typeof setTimeout> | undefined;
  #second = 0;
  #inSecond = 0;
  readonly #stats = { published: 0, received: 0, dropped: 0 };

  constructor(options: MonitorOptions) {
    this.#o = { maxOpsPerSecond: 200, heartbeatMs: 5_000, flushMs: 50, now: Date.now, ...options };
    const topics = options.topics;
    if (topics) {
      this.#offTopics.push(
        topics.onTopic(WATCH_TOPIC, (data, from) => this.#onWatch(data, from)),
        topics.onTopic(OPS_TOPIC, (data) => this.#onOps(data)),
      );
    }
  }

  /** Streams operations matching `filter` to `send`; returns the function that stops. */
  watch(filter: MonitorQuery, send: (op: CacheOp) => void): () => void {
    const watcher: Watcher = { filter, send };
    this.#watchers.add(watcher);
    if (this.#watchers.size === 1) {
      this.#announce();
      this.#heartbeat = setInterval(() => this.#announce(), this.#o.heartbeatMs);
      this.#heartbeat.unref();
    }
    this.#update();
    return () => {
      if (!this.#watchers.delete(watcher)) return;
      if (this.#watchers.size === 0) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = undefined;
        this.#publish(WATCH_TOPIC, { until: 0 });
      }
      this.#update();
    };
  }

  /** Counters, read cheaply. */
  stats(): MonitorStats {
    return {
      watchers: this.#watchers.size,
      remoteWatchers: this.#remoteActive() ? this.#remote.size : 0,
      ...this.#stats,
    };
  }

  /** Whether operations are being captured on this instance right now. */
  get capturing(): boolean {
    return this.#untap !== undefined;
  }

  async close(): Promise<void> {
    for (const off of this.#offTopics) off();
    clearInterval(this.#heartbeat);
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#expiry);
    if (this.#watchers.size > 0) await this.#publishNow(WATCH_TOPIC, { until: 0 });
    this.#watchers.clear();
    this.#remote.clear();
    this.#update();
  }

  #announce(): void {
    // Valid for three heartbeats, so one lost message does not stop the stream.
    this.#publish(WATCH_TOPIC, { until: this.#o.now() + 3 * this.#o.heartbeatMs });
  }

  #remoteActive(): boolean {
    const now = this.#o.now();
    for (const [instance, until] of this.#remote) {
      if (until > now) return true;
      this.#remote.delete(instance);
    }
    return false;
  }

  /** Taps the cache while anyone, here or elsewhere, watches. */
  #update(): void {
    const wanted = this.#watchers.size > 0 || this.#remoteActive();
    if (wanted && !this.#untap) this.#untap = this.#o.tap.add((op) => this.#onLocal(op));
    else if (!wanted && this.#untap) {
      this.#untap();
      this.#untap = undefined;
      this.#outbox = [];
    }
  }

  #onWatch(data: unknown, from: string): void {
    const parsed = WatchSchema.safeParse(data);
    if (!parsed.success) return;
    if (parsed.data.until > this.#o.now()) this.#remote.set(from, parsed.data.until);
    else this.#remote.delete(from);
    this.#update();
    // Stop tapping when the announcements stop coming.
    clearTimeout(this.#expiry);
    if (this.#remote.size > 0) {
      const next = Math.max(...this.#remote.values()) - this.#o.now() + 1;
      this.#expiry = setTimeout(() => this.#update(), next);
      this.#expiry.unref();
    }
  }

  #onOps(data: unknown): void {
    if (this.#watchers.size === 0) return;
    const parsed = OpsSchema.safeParse(data);
    if (!parsed.success) return;
    this.#stats.received += parsed.data.ops.length;
    for (const op of parsed.data.ops) this.#deliver(op);
  }

  #onLocal(local: LocalOp): void {
    // Sampling: at most maxOpsPerSecond per instance, the rest counted.
    const second = Math.floor(local.at / 1_000);
    if (second !== this.#second) {
      this.#second = second;
      this.#inSecond = 0;
    }
    if (++this.#inSecond > this.#o.maxOpsPerSecond) {
      this.#stats.dropped++;
      return;
    }
    const op: CacheOp = {
      ...local,
      key: local.key.length > MAX_KEY ? local.key.slice(0, MAX_KEY) : local.key,
      instance: this.#o.instance,
    };
    this.#deliver(op);
    if (this.#o.topics && this.#remoteActive()) {
      this.#outbox.push(op);
      if (this.#outbox.length >= MAX_BATCH) this.#flush();
      else if (!this.#flushTimer) {
        this.#flushTimer = setTimeout(() => this.#flush(), this.#o.flushMs);
        this.#flushTimer.unref();
      }
    }
  }

  #deliver(op: CacheOp): void {
    for (const watcher of this.#watchers) if (matches(watcher.filter, op)) watcher.send(op);
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const ops = this.#outbox.splice(0, MAX_BATCH);
    if (ops.length > 0) {
      this.#stats.published += ops.length;
      this.#publish(OPS_TOPIC, { ops });
    }
    if (this.#outbox.length > 0) this.#flush();
  }

  #publish(topic: string, data: unknown): void {
    void this.#publishNow(topic, data);
  }

  async #publishNow(topic: string, data: unknown): Promise<void> {
    await this.#o.topics
      ?.publishTopic(topic, data)
      .catch((error: Error) => this.#o.logger.debug({ err: error.message, topic }, 'monitor message not sent'));
  }
}
