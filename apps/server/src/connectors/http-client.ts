/**
 * HTTP for the connectors: conditional requests with stored ETags (a 304 reuses the stored body
 * and, on GitHub, costs no rate limit), pacing that never sends a request the advertised limit
 * would refuse, and retries with exponential backoff and jitter for 5xx, timeouts, network errors
 * and malformed bodies. Bad credentials fail at once, without retry.
 *
 * Credentials stay with their origin: every request (pagination links, redirects) must go to the
 * origin of `baseUrl`, so the `Authorization` header never reaches another host; a redirect to
 * another origin is refused, not followed. Every request passes the outbound policy. Failures
 * carry a human reason written here, never text from the upstream body.
 */
import { createHash } from 'node:crypto';
import type { Cache } from '@agiletrack/cache';
import { UnrecoverableJobError } from '../jobs/types.ts';
import { OutboundForbiddenError, OutboundGuard } from '../security/outbound.ts';
import { type OutboundFetch, outboundFetch } from '../security/outbound-fetch.ts';

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
  /** GraphQL points spent, as the answers' `rateLimit.cost` reported them. */
  points: number;
  /** GraphQL page sizes halved after a 502, 504 or timeout. */
  pageShrinks: number;
  notModified: number;
  retries: number;
  rateLimitWaits: number;
  waitedMs: number;
}

/** Client options; defaults here. */
export interface ExternalClientOptions {
  /** The integration's origin (and path prefix); every request must stay on this origin. */
  baseUrl: string;
  headers: Record<string, string>;
  /** Where responses and their ETags are kept (the L2 cache, namespaced per integration), encrypted. */
  store: Cache;
  /** Who answers, in failure messages (`GitHub`, `Jira`). @default the host */
  source?: string;
  /** What a 404 means for this source, in failure messages. @default 'not found, or the credentials lack access' */
  notFound?: string;
  /** The outbound policy. @default refuse every non-public address */
  guard?: OutboundGuard;
  /**
   * How long a stored response is kept for revalidation: two days covers daily syncs; a longer
   * interval refetches in full, which costs rate limit but keeps no upstream data for longer.
   * @default 48 hours
   */
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
  /** @default the guarded fetch of `guard` */
  fetch?: OutboundFetch;
}

/** A failure worth another try (5xx, timeout, network, malformed body); thrown once attempts run out. */
export class TransientError extends Error {
  override name = 'TransientError';
  constructor(
    message: string,
    /** The upstream status, or null when nothing (or no JSON) was answered. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** Per-request options. */
export interface RequestOptions {
  /** Attempts for transient failures (the caller may want to react itself, e.g. a smaller page). */
  attempts?: number;
}

/** The upstream refused or failed for good: the reason is ours (no upstream text), shown in last-sync. */
export class UpstreamError extends UnrecoverableJobError {
  override name = 'UpstreamError';
}

const MAX_REDIRECTS = 5;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** See the file comment. */
export class ExternalClient {
  readonly stats: ExternalStats = {
    requests: 0,
    points: 0,
    pageShrinks: 0,
    notModified: 0,
    retries: 0,
    rateLimitWaits: 0,
    waitedMs: 0,
  };
  readonly #o: Required<ExternalClientOptions>;
  readonly #origin: string;
  /** Requests left in the current window, as the server last advertised (minus what we sent since). */
  #remaining: number | undefined;
  #resetAt = 0;

  constructor(options: ExternalClientOptions) {
    const guard = options.guard ?? new OutboundGuard();
    const base = new URL(options.baseUrl);
    this.#origin = base.origin;
    this.#o = {
      source: base.host,
      notFound: 'not found, or the credentials lack access',
      guard,
      storeTtlMs: 48 * 3_600_000,
      maxAttempts: 6,
      baseDelayMs: 250,
      maxDelayMs: 60_000,
      maxRateLimitWaitMs: 3_660_000,
      timeoutMs: 10_000,
      sleep: wait,
      now: Date.now,
      random: Math.random,
      fetch: outboundFetch(guard),
      ...options,
    };
  }

  /** GET with revalidation. */
  get<T>(path: string): Promise<ExternalResponse<T>> {
    return this.#request<T>('GET', path);
  }

  /** POST (no revalidation: POST responses are not stored). */
  post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<ExternalResponse<T>> {
    return this.#request<T>('POST', path, body, options);
  }

  /** Waits `ms` (a rate-limit window) on the client's clock, counted in its stats. */
  async waitFor(ms: number): Promise<void> {
    this.stats.rateLimitWaits++;
    await this.#sleep(ms, this.#o.maxRateLimitWaitMs);
  }

  /** The client's clock. */
  now(): number {
    return this.#o.now();
  }

  async #request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<ExternalResponse<T>> {
    const maxAttempts = options.attempts ?? this.#o.maxAttempts;
    const first = path.startsWith('http') ? path : `${this.#o.baseUrl.replace(/\/$/, '')}${path}`;
    this.#sameOrigin(first, 'a pagination link');
    const storeKey = `r_${createHash('sha256').update(`${method} ${first}`).digest('base64url')}`;
    const stored = method === 'GET' ? await this.#o.store.get<{ etag: string; body: T }>(storeKey) : undefined;
    const source = this.#o.source;
    let rateLimitWaits = 0;

    for (let attempt = 1; ; attempt++) {
      await this.#pace();
      const headers: Record<string, string> = { accept: 'application/json', ...this.#o.headers };
      if (stored) headers['if-none-match'] = stored.etag;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await this.#send(method, first, headers, body);
      } catch (error) {
        if (error instanceof UnrecoverableJobError) throw error;
        if (error instanceof OutboundForbiddenError) throw new UpstreamError(error.message, { cause: error });
        const code = (error as { code?: string }).code ?? (error as Error).name;
        await this.#retryOrThrow(attempt, maxAttempts, new TransientError(`${source} could not be reached (${code})`));
        continue;
      }
      this.#observeLimits(response.headers);

      if (response.status === 304 && stored) {
        this.stats.notModified++;
        return { body: stored.body, status: 304, headers: response.headers, changed: false };
      }
      // 403 with `retry-after` is GitHub's secondary limit; 403 with nothing remaining, its primary one.
      if (
        response.status === 429 ||
        (response.status === 403 &&
          (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after')))
      ) {
        await response.body?.cancel();
        // Waiting out a rate limit is not a failure: it has its own (generous) budget.
        if (++rateLimitWaits > 20) throw new UpstreamError(`${source} is still rate limiting after 20 waits`);
        this.stats.rateLimitWaits++;
        await this.#sleep(this.#retryAfter(response.headers), this.#o.maxRateLimitWaitMs);
        attempt--;
        continue;
      }
      // The upstream body is drained, never read: its text must not reach a user.
      if (response.status >= 400) await response.body?.cancel();
      if (response.status === 401) {
        throw new UpstreamError(`${source} rejected the credentials (401): update the integration's token`);
      }
      if (response.status >= 500) {
        await this.#retryOrThrow(
          attempt,
          maxAttempts,
          new TransientError(
            `${source} answered ${response.status} (a server error) ${attempt} times`,
            response.status,
          ),
        );
        continue;
      }
      if (response.status === 403) {
        throw new UpstreamError(`${source} answered 403: the credentials lack permission for this resource`);
      }
      if (response.status === 404) throw new UpstreamError(`${source} answered 404: ${this.#o.notFound}`);
      if (response.status >= 400) throw new UpstreamError(`${source} answered ${response.status}: request refused`);
      if (response.status >= 300) {
        await response.body?.cancel();
        throw new UpstreamError(`${source} answered ${response.status} without a usable redirect`);
      }
      let parsed: T;
      try {
        parsed = (await response.json()) as T;
      } catch {
        await this.#retryOrThrow(
          attempt,
          maxAttempts,
          new TransientError(`${source} answered with a malformed JSON body`),
        );
        continue;
      }
      const etag = response.headers.get('etag');
      if (method === 'GET' && etag) {
        // Upstream data in a shared tier: encrypted, and kept only as long as revalidation needs.
        await this.#o.store
          .set(storeKey, { etag, body: parsed }, { ttl: this.#o.storeTtlMs, sensitive: true })
          .catch(() => {});
      }
      return { body: parsed, status: response.status, headers: response.headers, changed: true };
    }
  }

  // One request, following redirects that stay on the integration's origin (GET only).
  async #send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body: unknown): Promise<Response> {
    let current = url;
    for (let hop = 0; ; hop++) {
      this.stats.requests++;
      const response = await this.#o.fetch(current, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || response.status === 304 || location === null) {
        return response;
      }
      await response.body?.cancel();
      const next = new URL(location, current).href;
      this.#sameOrigin(next, `a ${response.status} redirect`);
      if (method !== 'GET' || hop + 1 >= MAX_REDIRECTS) {
        throw new UpstreamError(`${this.#o.source} redirected ${method} too many times or in a way not followed`);
      }
      current = next;
    }
  }

  // The credentials were entered for one origin: nothing leaves it.
  #sameOrigin(url: string, what: string): void {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      throw new UpstreamError(`${this.#o.source} sent ${what} that is not a URL`);
    }
    if (origin !== this.#origin) {
      throw new UpstreamError(
        `${this.#o.source} sent ${what} to another origin (${origin}); it was not followed, so the credentials stayed with ${this.#origin}`,
      );
    }
  }

  async #retryOrThrow(attempt: number, maxAttempts: number, error: Error): Promise<void> {
    if (attempt >= maxAttempts) throw error;
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
