/** `INFO memory` and `INFO stats` of the cache's Redis, parsed and kept briefly so scrapes and rules share one call. */
import type { RedisClient } from '@agiletrack/cache/tiers/redis';

/** The figures operators watch. */
export interface RedisInfo {
  usedMemory: number;
  usedMemoryHuman: string;
  usedMemoryPeak: number;
  /** 0 when no limit is set. */
  maxMemory: number;
  maxMemoryPolicy: string;
  fragmentationRatio: number;
  evictedKeys: number;
}

/** Parses `INFO` text into numbers and strings. */
export function parseInfo(text: string): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at <= 0 || line.startsWith('#')) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1);
    out[key] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

const num = (value: number | string | undefined): number => (typeof value === 'number' ? value : 0);

/** Reads INFO at most once per `maxAgeMs`; concurrent callers share one call. */
export class RedisInfoReader {
  #last: { at: number; info: Promise<RedisInfo> } | undefined;

  constructor(
    readonly redis: RedisClient,
    readonly maxAgeMs = 2_000,
    readonly now: () => number = Date.now,
  ) {}

  /** The latest figures (rejects while Redis is unreachable). */
  read(): Promise<RedisInfo> {
    const now = this.now();
    if (this.#last && now - this.#last.at < this.maxAgeMs) return this.#last.info;
    const info = this.#fetch();
    this.#last = { at: now, info };
    info.catch(() => {
      if (this.#last?.info === info) this.#last = undefined;
    });
    return info;
  }

  async #fetch(): Promise<RedisInfo> {
    // A cluster answers INFO from one node; its memory is what a node's limit applies to.
    const [memory, stats] = await Promise.all([this.redis.info('memory'), this.redis.info('stats')]);
    const m = parseInfo(memory);
    const s = parseInfo(stats);
    return {
      usedMemory: num(m.used_memory),
      usedMemoryHuman: String(m.used_memory_human ?? ''),
      usedMemoryPeak: num(m.used_memory_peak),
      maxMemory: num(m.maxmemory),
      maxMemoryPolicy: String(m.maxmemory_policy ?? ''),
      fragmentationRatio: num(m.mem_fragmentation_ratio),
      evictedKeys: num(s.evicted_keys),
    };
  }
}
