/**
 * HTTP for the connectors: conditional requests with stored ETags (a 304 reuses the stored body
 * and, on GitHub, costs no rate limit), pacing that never sends a request the advertised limit
 * would refuse, and retries with exponential backoff and jitter for 5xx, timeouts, network errors
 * and malformed bodies. Bad credentials fail at once, without retry.
 */
import { createHash } from 'node:crypto';
import type { Cache } from '@agiletrack/cache';
import { UnrecoverableJobError } from '../jobs/memory-queue.ts';

/** A response: the JSON body (stored one on a 304) and whether it changed since last time. */
export interface ExternalResponse<T> {
  readonly body: T;
  readonly status: number;
  readonly headers: Headers;
  readonly changed: boolean;
}

/** Counters of one client, reported in the sync run's stats. */
export interface ExternalStats {
  requests: number;
  notModified: number;
  retries: number;
  rateLimitWaits: number;
  waitedMs: number;
}

/** Client options; defaults here. */
export interface ExternalClientOptions {
  baseUrl: string;
  headers: Record<string, string>;
  /** Where responses and their ETags are kept (the L2 cache, namespaced per integration). */
  store: Cache;
  /** How long a stored response is kept for revalidation. @default 7 days */
  storeTtlMs?: number;
  /** Attempts per request for transient failures. @default 6 */
  maxAttempts?: number;
  /** First backoff delay. @default 250 */
  baseDelayMs?: number;
  /** Longest single backoff wait. @default 60_000 */
  maxDelayMs?: number;
  /**
   * Longest wait for a rate-limit window to reset. GitHub's primary window is an hour, and a first
   * sync of a large repository needs several. @default 3_660_000
   */
  maxRateLimitWaitMs?: number;
  /** Per-request timeout. @default 10_000 */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
}

class TransientError extends Error {}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** See the file comment. */
export class ExternalClient {
  readonly stats: ExternalStats = { requests: 0, notModified: 0, retries: 0, rateLimitWaits: 0, waitedMs: 0 };
  readonly #o: Required<ExternalClientOptions>;
  /** Requests left in the current window, as the server last advertised (minus what we sent since). */
  #remaining: number | undefined;
  #resetAt = 0;

  constructor(options: ExternalClientOptions) {
    this.#o = {
      storeTtlMs: 7 * 86_400_000,
      maxAttempts: 6,
      baseDelayMs: 250,
      maxDelayMs: 60_000,
      maxRateLimitWaitMs: 3_660_000,
      timeoutMs: 10_000,
      sleep: wait,
      now: Date.now,
      random: Math.random,
      fetch: globalThis.fetch.bind(globalThis),
      ...options,
    };
  }

  /** GET with revalidation. */
  get<T>(path: string): Promise<ExternalResponse<T>> {
    return this.#request<T>('GET', path);
  }

  /** POST (no revalidation: POST responses are not stored). */
  post<T>(path: string, body: unknown): Promise<ExternalResponse<T>> {
    return this.#request<T>('POST', path, body);
  }

  async #request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ExternalResponse<T>> {
    const url = path.startsWith('http') ? path : `${this.#o.baseUrl.replace(/\/$/, '')}${path}`;
    const storeKey = `r_${createHash('sha256').update(`${method} ${url}`).digest('base64url')}`;
    const stored = method === 'GET' ? await this.#o.store.get<{ etag: string; body: T }>(storeKey) : undefined;
    let rateLimitWaits = 0;

    for (let attempt = 1; ; attempt++) {
      await this.#pace();
      const headers: Record<string, string> = { accept: 'application/json', ...this.#o.headers };
      if (stored) headers['if-none-match'] = stored.etag;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        this.stats.requests++;
        response = await this.#o.fetch(url, {
          method,
          headers,
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        });
      } catch (error) {
        await this.#retryOrThrow(attempt, new TransientError(`${method} ${url}: ${(error as Error).message}`));
        continue;
      }
      this.#observeLimits(response.headers);

      if (response.status === 304 && stored) {
        this.stats.notModified++;
        return { body: stored.body, status: 304, headers: response.headers, changed: false };
      }
      if (
        response.status === 429 ||
        (response.status === 403 && response.headers.get('x-ratelimit-remaining') === '0')
      ) {
        await response.body?.cancel();
        // Waiting out a rate limit is not a failure: it has its own (generous) budget.
        if (++rateLimitWaits > 20) throw new Error(`${url}: still rate limited after 20 waits`);
        this.stats.rateLimitWaits++;
        await this.#sleep(this.#retryAfter(response.headers), this.#o.maxRateLimitWaitMs);
        attempt--;
        continue;
      }
      if (response.status === 401) {
        await response.body?.cancel();
        throw new UnrecoverableJobError(
          `${new URL(url).host} rejected the credentials (401): update the integration's token`,
        );
      }
      if (response.status >= 500) {
        await response.body?.cancel();
        await this.#retryOrThrow(attempt, new TransientError(`${method} ${url}: ${response.status}`));
        continue;
      }
      if (response.status >= 400) {
        const text = await response.text().catch(() => '');
        throw new UnrecoverableJobError(`${method} ${url}: ${response.status} ${text.slice(0, 200)}`);
      }
      let parsed: T;
      try {
        parsed = (await response.json()) as T;
      } catch {
        await this.#retryOrThrow(attempt, new TransientError(`${method} ${url}: malformed JSON body`));
        continue;
      }
      const etag = response.headers.get('etag');
      if (method === 'GET' && etag) {
        await this.#o.store.set(storeKey, { etag, body: parsed }, { ttl: this.#o.storeTtlMs }).catch(() => {});
      }
      return { body: parsed, status: response.status, headers: response.headers, changed: true };
    }
  }

  async #retryOrThrow(attempt: number, error: Error): Promise<void> {
    if (attempt >= this.#o.maxAttempts) throw error;
    this.stats.retries++;
    const ceiling = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter between half and all of the ceiling: retries from many workers spread out.
    await this.#sleep(ceiling / 2 + this.#o.random() * (ceiling / 2));
  }

  #observeLimits(headers: Headers): void {
    const remaining = headers.get('x-ratelimit-remaining');
    const reset = headers.get('x-ratelimit-reset');
    if (remaining !== null && /^\d+$/.test(remaining)) this.#remaining = Number(remaining);
    if (reset !== null && /^\d+$/.test(reset)) this.#resetAt = Number(reset) * 1000;
  }

  // Never send a request the server has told us it would refuse: wait for the window to reset.
  async #pace(): Promise<void> {
    if (this.#remaining === undefined) return;
    if (this.#remaining <= 0) {
      const delay = this.#resetAt - this.#o.now();
      if (delay > 0) {
        this.stats.rateLimitWaits++;
        await this.#sleep(delay + 50, this.#o.maxRateLimitWaitMs);
      }
      this.#remaining = undefined;
      return;
    }
    this.#remaining--;
  }

  #retryAfter(headers: Headers): number {
    const retryAfter = headers.get('retry-after');
    if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const reset = headers.get('x-ratelimit-reset');
    if (reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - this.#o.now()) + 50;
    return 1_000;
  }

  async #sleep(ms: number, cap = this.#o.maxDelayMs): Promise<void> {
    const capped = Math.min(Math.max(0, ms), cap);
    this.stats.waitedMs += capped;
    await this.#o.sleep(capped);
  }
}
