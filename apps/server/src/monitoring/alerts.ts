/**
 * Alert rules evaluated on the server every few seconds: a tier's circuit breaker open, a tier's
 * error and timeout rate, a family's hit rate below its usual level, Redis memory near
 * `maxmemory`, evictions, bus gaps, and browsers reporting storage quota failures. An alert fires
 * while its rule holds and resolves when it stops; each change is logged and pushed to listeners
 * (admins' SSE streams).
 */
import type { Cache } from '@agiletrack/cache';
import type { Alert, CacheFamily } from '@agiletrack/domain';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { type FamilyCounts, familySnapshot } from './family-stats.ts';
import type { RedisInfo, RedisInfoReader } from './redis-info.ts';

/** Every rule's name (the `rule` of its alerts). */
export const ALERT_RULES = [
  'breaker-open',
  'tier-errors',
  'hit-rate-drop',
  'redis-memory',
  'evictions',
  'bus-gaps',
  'browser-quota',
] as const;

/** Thresholds (from the configuration). */
export interface AlertThresholds {
  /** Errors + timeouts over calls of a tier, over the window. */
  errorRate: number;
  /** A family's hit rate this far below its last-hour level fires. */
  hitRateDrop: number;
  /** Used memory over `maxmemory`. */
  redisMemoryRatio: number;
  /** Shared-tier or Redis evictions over the window. */
  evictions: number;
  /** Browser quota failures over the window. */
  quotaFailures: number;
  /** Fewest reads or calls in the window before a rate is judged. */
  minSamples: number;
  /** The window rates and increases are measured over, ms. */
  windowMs: number;
}

/** The thresholds a configuration sets. */
export function alertThresholds(config: Config): AlertThresholds {
  return {
    errorRate: config.ALERT_ERROR_RATE,
    hitRateDrop: config.ALERT_HIT_RATE_DROP,
    redisMemoryRatio: config.ALERT_REDIS_MEMORY_RATIO,
    evictions: config.ALERT_EVICTIONS,
    quotaFailures: config.ALERT_QUOTA_FAILURES,
    minSamples: config.ALERT_MIN_SAMPLES,
    windowMs: config.ALERT_WINDOW_MS,
  };
}

/** What the rules read. */
export interface AlertSources {
  cache: Cache;
  redisInfo: RedisInfoReader | undefined;
  /** Cumulative quota failures reported by browsers. */
  quotaFailures(): number;
}

interface Snapshot {
  at: number;
  tiers: Map<string, { calls: number; failures: number; evictions: number; shared: boolean }>;
  families: Record<CacheFamily, FamilyCounts>;
  busGaps: number;
  evictedKeys: number;
  quotaFailures: number;
}

interface Finding {
  id: string;
  rule: (typeof ALERT_RULES)[number];
  severity: Alert['severity'];
  message: string;
}

const HOUR = 3_600_000;
const MAX_RESOLVED = 200;

/** See the file comment. */
export class AlertEngine {
  readonly #firing = new Map<string, Alert>();
  readonly #resolved: Alert[] = [];
  readonly #history: Snapshot[] = [];
  readonly #listeners = new Set<(alert: Alert) => void>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;

  constructor(
    readonly sources: AlertSources,
    readonly thresholds: AlertThresholds,
    readonly instance: string,
    readonly logger: Logger,
    readonly now: () => number = Date.now,
  ) {}

  /** Evaluates every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    this.#timer ??= setInterval(
      () =>
        void this.evaluate().catch((error: Error) =>
          this.logger.warn({ err: error.message }, 'alerts: evaluation failed'),
        ),
      intervalMs,
    );
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Calls `listener` on every firing and resolution; returns the function that stops. */
  onChange(listener: (alert: Alert) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Firing alerts, and those resolved at or after `since` (epoch ms; all kept by default). */
  list(since = 0): { firing: Alert[]; resolved: Alert[] } {
    return {
      firing: [...this.#firing.values()],
      resolved: this.#resolved.filter((alert) => (alert.resolvedAt ?? 0) >= since),
    };
  }

  /** One evaluation (the timer's; tests call it directly). Overlapping calls share one run. */
  evaluate(): Promise<void> {
    this.#running ??= this.#evaluate().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #evaluate(): Promise<void> {
    const redis = this.sources.redisInfo ? await this.sources.redisInfo.read().catch(() => undefined) : undefined;
    const current = this.#snapshot(redis);
    this.#history.push(current);
    while (this.#history.length > 1 && this.#history[0]!.at < current.at - HOUR) this.#history.shift();
    const findings = this.#rules(current, redis);
    const now = current.at;
    const found = new Set<string>();
    for (const finding of findings) {
      found.add(finding.id);
      const existing = this.#firing.get(finding.id);
      if (existing) {
        existing.message = finding.message;
        continue;
      }
      const alert: Alert = { ...finding, state: 'firing', instance: this.instance, since: now };
      this.#firing.set(finding.id, alert);
      this.logger.warn({ alert: finding.id, rule: finding.rule }, `alert firing: ${finding.message}`);
      this.#emit(alert);
    }
    for (const [id, alert] of this.#firing) {
      if (found.has(id)) continue;
      this.#firing.delete(id);
      const resolved: Alert = { ...alert, state: 'resolved', resolvedAt: now };
      this.#resolved.push(resolved);
      if (this.#resolved.length > MAX_RESOLVED) this.#resolved.shift();
      this.logger.info({ alert: id, rule: alert.rule }, `alert resolved: ${alert.message}`);
      this.#emit(resolved);
    }
  }

  #emit(alert: Alert): void {
    for (const listener of this.#listeners) {
      try {
        listener(alert);
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'alert listener failed');
      }
    }
  }

  #snapshot(redis: RedisInfo | undefined): Snapshot {
    const stats = this.sources.cache.stats();
    const tiers = new Map<string, { calls: number; failures: number; evictions: number; shared: boolean }>();
    for (const tier of stats.tiers) {
      tiers.set(tier.name, {
        calls: tier.hits + tier.misses + tier.writes,
        failures: tier.errors + tier.timeouts,
        evictions: tier.evictions,
        shared: tier.shared,
      });
    }
    return {
      at: this.now(),
      tiers,
      families: familySnapshot(this.sources.cache),
      busGaps: stats.bus.gaps,
      evictedKeys: redis?.evictedKeys ?? 0,
      quotaFailures: this.sources.quotaFailures(),
    };
  }

  /** The oldest snapshot still inside the window (the baseline of increases). */
  #baseline(now: number, windowMs: number): Snapshot {
    return this.#history.find((s) => s.at >= now - windowMs) ?? this.#history[0]!;
  }

  #rules(current: Snapshot, redis: RedisInfo | undefined): Finding[] {
    const t = this.thresholds;
    const out: Finding[] = [];
    const stats = this.sources.cache.stats();
    const base = this.#baseline(current.at, t.windowMs);
    const hourBase = this.#history[0]!;

    for (const tier of stats.tiers) {
      if (tier.breaker !== 'closed') {
        out.push({
          id: `breaker:${tier.name}`,
          rule: 'breaker-open',
          severity: 'critical',
          message: `the ${tier.name} tier's circuit breaker is ${tier.breaker}: reads skip it`,
        });
      }
      const now = current.tiers.get(tier.name)!;
      const then = base.tiers.get(tier.name) ?? { calls: 0, failures: 0, evictions: 0 };
      const calls = now.calls - then.calls + (now.failures - then.failures);
      const failures = now.failures - then.failures;
      if (calls >= t.minSamples && failures / calls > t.errorRate) {
        out.push({
          id: `errors:${tier.name}`,
          rule: 'tier-errors',
          severity: 'warning',
          message: `${failures} of ${calls} calls to the ${tier.name} tier failed or timed out in the last ${Math.round(t.windowMs / 1_000)} s`,
        });
      }
      const evicted = now.evictions - then.evictions;
      if (now.shared && evicted >= t.evictions) {
        out.push({
          id: `evictions:${tier.name}`,
          rule: 'evictions',
          severity: 'warning',
          message: `the ${tier.name} tier evicted ${evicted} entries in the last ${Math.round(t.windowMs / 1_000)} s`,
        });
      }
    }

    for (const family of Object.keys(current.families) as CacheFamily[]) {
      const rate = (from: Snapshot) => {
        const a = current.families[family];
        const b = from.families[family];
        const hits = a.hits - b.hits;
        const reads = hits + (a.misses - b.misses);
        return { reads, rate: reads === 0 ? 1 : hits / reads };
      };
      const recent = rate(base);
      const usual = rate(hourBase);
      // Compared with the last hour only when the hour holds more than the recent window.
      if (recent.reads >= t.minSamples && usual.reads > recent.reads && recent.rate < usual.rate - t.hitRateDrop) {
        out.push({
          id: `hit-rate:${family}`,
          rule: 'hit-rate-drop',
          severity: 'warning',
          message: `the ${family} hit rate is ${Math.round(recent.rate * 100)}%, usually ${Math.round(usual.rate * 100)}%`,
        });
      }
    }

    if (redis && redis.maxMemory > 0 && redis.usedMemory / redis.maxMemory > t.redisMemoryRatio) {
      out.push({
        id: 'redis-memory',
        rule: 'redis-memory',
        severity: 'critical',
        message: `Redis uses ${Math.round((redis.usedMemory / redis.maxMemory) * 100)}% of maxmemory`,
      });
    }
    if (redis && current.evictedKeys - base.evictedKeys >= t.evictions) {
      out.push({
        id: 'evictions:redis-server',
        rule: 'evictions',
        severity: 'warning',
        message: `Redis evicted ${current.evictedKeys - base.evictedKeys} keys in the last ${Math.round(t.windowMs / 1_000)} s`,
      });
    }
    if (current.busGaps > base.busGaps) {
      out.push({
        id: 'bus-gaps',
        rule: 'bus-gaps',
        severity: 'warning',
        message: `the invalidation bus lost its connection ${current.busGaps - base.busGaps} time(s) recently: local tiers were dropped`,
      });
    }
    const quota = current.quotaFailures - base.quotaFailures;
    if (quota >= t.quotaFailures) {
      out.push({
        id: 'browser-quota',
        rule: 'browser-quota',
        severity: 'warning',
        message: `browsers reported ${quota} localStorage quota failures recently`,
      });
    }
    return out;
  }
}
