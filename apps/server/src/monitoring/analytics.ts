/**
 * Per-family analytics over the last minute, hour and day. Each instance keeps a small ring of
 * cumulative snapshots of its family counters (every 5 s for the minute, every minute for the
 * hour, every hour for the day); a window's figures are now minus the oldest snapshot inside it.
 * A report merges every instance: the asking instance requests the others' figures on the bus
 * and waits for the instances it knows (they announce themselves once at start).
 */
import type { BusTopics } from '@agiletrack/cache/contracts';
import {
  ANALYTICS_WINDOWS,
  CACHE_FAMILIES,
  type CacheFamily,
  type FamiliesReport,
  type FamilyFigures,
} from '@agiletrack/domain';
import { z } from 'zod';
import type { ServerCache } from '../cache/server-cache.ts';
import { type FamilyCounts, familySnapshot } from './family-stats.ts';

type Window = (typeof ANALYTICS_WINDOWS)[number];
const WINDOW_MS: Record<Window, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const STEP_MS: Record<Window, number> = { minute: 5_000, hour: 60_000, day: 3_600_000 };
// The compact form on the bus: [hits, misses, staleServes, loads, loadMs, loadErrors, errors, bytesWritten].
const FIELDS = ['hits', 'misses', 'staleServes', 'loads', 'loadMs', 'loadErrors', 'errors', 'bytesWritten'] as const;
type Compact = number[];

const ReplySchema = z.object({
  request: z.string(),
  figures: z.record(
    z.string(),
    z.object({ minute: z.array(z.number()), hour: z.array(z.number()), day: z.array(z.number()) }),
  ),
});

interface Snapshot {
  at: number;
  counts: Record<CacheFamily, FamilyCounts>;
}

const compact = (a: FamilyCounts, b: FamilyCounts | undefined): Compact => FIELDS.map((f) => a[f] - (b?.[f] ?? 0));

const figures = (c: Compact): FamilyFigures => {
  const [hits = 0, misses = 0, staleServes = 0, loads = 0, loadMs = 0, loadErrors = 0, errors = 0, bytesWritten = 0] =
    c;
  return {
    hits,
    misses,
    staleServes,
    loads,
    loadMs: Math.round(loadMs * 1_000) / 1_000,
    loadErrors,
    errors,
    bytesWritten,
    hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
    meanLoadMs: loads === 0 ? 0 : Math.round((loadMs / loads) * 1_000) / 1_000,
  };
};

/** Entries and bytes a tier holds per family. */
export type Holdings = Record<
  string,
  Partial<Record<CacheFamily, { entries: number; bytes: number | null; estimated: boolean }>>
>;

/** See the file comment. */
export class FamilyAnalytics {
  readonly #rings: Record<Window, Snapshot[]> = { minute: [], hour: [], day: [] };
  readonly #start: Snapshot;
  readonly #peers = new Set<string>();
  readonly #pending = new Map<
    string,
    { replies: Map<string, Record<string, Record<Window, Compact>>>; done(): void }
  >();
  readonly #offs: (() => void)[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #sequence = 0;

  constructor(
    readonly serverCache: ServerCache,
    readonly holdings: () => Promise<Holdings>,
    readonly options: { waitMs?: number; now?: () => number } = {},
  ) {
    const now = this.#now();
    this.#start = { at: now, counts: familySnapshot(serverCache.cache) };
    for (const family of CACHE_FAMILIES) {
      for (const field of FIELDS) this.#start.counts[family][field] = 0;
    }
    const topics = serverCache.topics;
    if (topics) {
      this.#offs.push(
        topics.onTopic('presence.hello', (_data, from) => {
          this.#peers.add(from);
          void topics.publishTopic('presence.here', {}).catch(() => {});
        }),
        topics.onTopic('presence.here', (_data, from) => this.#peers.add(from)),
        topics.onTopic('presence.bye', (_data, from) => this.#peers.delete(from)),
        topics.onTopic('analytics.request', (data) => this.#answer(topics, data)),
        topics.onTopic('analytics.reply', (data, from) => this.#collect(data, from)),
      );
    }
  }

  /** Announces this instance and starts the snapshot timer. */
  async start(): Promise<void> {
    this.#timer ??= setInterval(() => this.#tick(), STEP_MS.minute);
    this.#timer.unref();
    await this.serverCache.topics?.publishTopic('presence.hello', {}).catch(() => {});
  }

  /** Other instances this one knows of. */
  get peers(): number {
    return this.#peers.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const off of this.#offs) off();
    await this.serverCache.topics?.publishTopic('presence.bye', {}).catch(() => {});
  }

  /** This instance's figures per family and window, compact. */
  local(): Record<string, Record<Window, Compact>> {
    const now = this.#now();
    const current = familySnapshot(this.serverCache.cache);
    const out: Record<string, Record<Window, Compact>> = {};
    const bases = Object.fromEntries(ANALYTICS_WINDOWS.map((w) => [w, this.#baseline(w, now)])) as Record<
      Window,
      Snapshot
    >;
    for (const family of CACHE_FAMILIES) {
      const row = Object.fromEntries(
        ANALYTICS_WINDOWS.map((w) => [w, compact(current[family], bases[w].counts[family])]),
      ) as Record<Window, Compact>;
      // Families without any activity in the day stay off the wire.
      if (row.day.some((n) => n !== 0)) out[family] = row;
    }
    return out;
  }

  /** The merged report of every instance that answers. */
  async report(): Promise<FamiliesReport> {
    const mine = this.local();
    const replies = await this.#ask();
    const instances = [this.serverCache.instance, ...replies.keys()];
    const all = [mine, ...replies.values()];
    const held = await this.holdings().catch(() => ({}) as Holdings);
    return {
      instances,
      families: CACHE_FAMILIES.map((family) => {
        const windows = Object.fromEntries(
          ANALYTICS_WINDOWS.map((w) => {
            const sum = FIELDS.map((_, i) => all.reduce((acc, one) => acc + (one[family]?.[w][i] ?? 0), 0));
            return [w, figures(sum)];
          }),
        ) as Record<Window, FamilyFigures>;
        const tiers: Record<string, { entries: number; bytes: number | null; estimated: boolean }> = {};
        for (const [tier, byFamily] of Object.entries(held)) {
          tiers[tier] = byFamily[family] ?? { entries: 0, bytes: 0, estimated: false };
        }
        return { family, windows, tiers };
      }),
    };
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  #tick(): void {
    const now = this.#now();
    const counts = familySnapshot(this.serverCache.cache);
    for (const w of ANALYTICS_WINDOWS) {
      const ring = this.#rings[w];
      const last = ring[ring.length - 1];
      if (!last || now - last.at >= STEP_MS[w]) ring.push({ at: now, counts });
      // Keep one snapshot older than the window's start, so the window is always covered.
      while (ring.length > 1 && ring[1]!.at <= now - WINDOW_MS[w]) ring.shift();
    }
  }

  /** The oldest snapshot at or after the window's start (the start of the process when younger). */
  #baseline(w: Window, now: number): Snapshot {
    if (this.#start.at >= now - WINDOW_MS[w]) return this.#start;
    return this.#rings[w].find((s) => s.at >= now - WINDOW_MS[w]) ?? this.#rings[w][0] ?? this.#start;
  }

  async #ask(): Promise<Map<string, Record<string, Record<Window, Compact>>>> {
    const topics = this.serverCache.topics;
    const replies = new Map<string, Record<string, Record<Window, Compact>>>();
    if (!topics || this.#peers.size === 0) return replies;
    const request = `${this.serverCache.instance}:${++this.#sequence}`;
    const waited = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.waitMs ?? 1_000);
      this.#pending.set(request, {
        replies,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
    await topics.publishTopic('analytics.request', { request }).catch(() => {});
    await waited;
    this.#pending.delete(request);
    // Peers that did not answer are gone (or cut off): stop waiting for them next time.
    for (const peer of this.#peers) if (!replies.has(peer)) this.#peers.delete(peer);
    return replies;
  }

  #answer(topics: BusTopics, data: unknown): void {
    const request = (data as { request?: unknown })?.request;
    if (typeof request !== 'string') return;
    void topics.publishTopic('analytics.reply', { request, figures: this.local() }).catch(() => {});
  }

  #collect(data: unknown, from: string): void {
    const parsed = ReplySchema.safeParse(data);
    if (!parsed.success) return;
    const pending = this.#pending.get(parsed.data.request);
    if (!pending) return;
    this.#peers.add(from);
    pending.replies.set(from, parsed.data.figures as Record<string, Record<Window, Compact>>);
    if ([...this.#peers].every((peer) => pending.replies.has(peer))) pending.done();
  }
}
