/**
 * GitHub's GraphQL API as the connector uses it: the endpoint (`/graphql` on api.github.com,
 * `/api/graphql` on GitHub Enterprise Server), cost accounting from each answer's `rateLimit`,
 * pacing under the hourly points and the per-minute secondary limit, waits on `RATE_LIMITED`, and
 * page sizes that halve on a 502, 504 or timeout and grow back slowly — the same page is asked
 * again, so none is ever skipped.
 */
import { type ExternalClient, TransientError, UpstreamError } from '../http-client.ts';

/** Where GraphQL lives for a REST base address. */
export function graphqlEndpoint(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  // GitHub Enterprise Server: REST at https://host/api/v3, GraphQL at https://host/api/graphql.
  if (/\/api\/v3$/.test(base)) return `${base.slice(0, -'/v3'.length)}/graphql`;
  return `${base}/graphql`;
}

/** What every query asks for besides its data. */
export const RATE_LIMIT_FIELDS = 'rateLimit { cost remaining resetAt }';

interface Answer<T> {
  data?: (T & { rateLimit?: { cost: number; remaining: number; resetAt: string } }) | null;
  errors?: { type?: string; message?: string }[];
}

/** Pacing and page-size settings; defaults here. */
export interface GraphqlOptions {
  /** Points per minute to stay under (GitHub's secondary limit is 2,000). @default 1_800 */
  pointsPerMinute?: number;
  /** Largest and smallest page. @default 100, 5 */
  maxPage?: number;
  minPage?: number;
  /** Successful pages before the size grows by a quarter. @default 4 */
  growAfter?: number;
}

/** See the file comment. */
export class GithubGraphql {
  readonly #client: ExternalClient;
  readonly #endpoint: string;
  readonly #perMinute: number;
  readonly #recent: { at: number; points: number }[] = [];
  #remaining: number | undefined;
  #resetAt = 0;
  #lastCost = 1;

  constructor(client: ExternalClient, baseUrl: string, options: GraphqlOptions = {}) {
    this.#client = client;
    this.#endpoint = graphqlEndpoint(baseUrl);
    this.#perMinute = options.pointsPerMinute ?? 1_800;
  }

  /** Runs a query (which must select `rateLimit`); one attempt unless `attempts` says otherwise. */
  async query<T>(query: string, variables: Record<string, unknown>, attempts = 1): Promise<T> {
    for (let waits = 0; ; waits++) {
      await this.#pace();
      const response = await this.#client.post<Answer<T>>(this.#endpoint, { query, variables }, { attempts });
      const body = response.body;
      // JSON that is no GraphQL answer (a REST listing, an HTML proxy page parsed as something else)
      // will not become one on a retry: this address does not serve GitHub's GraphQL API.
      if (typeof body !== 'object' || body === null || Array.isArray(body) || !('data' in body || 'errors' in body)) {
        throw new UpstreamError('GitHub answered something that is not a GraphQL response: check the API address');
      }
      if (body.errors?.some((e) => e.type === 'RATE_LIMITED') && waits < 5) {
        const reset = Number(response.headers.get('x-ratelimit-reset'));
        await this.#client.waitFor(Number.isFinite(reset) ? reset * 1000 - this.#client.now() + 1_000 : 60_000);
        continue;
      }
      if (body.errors && body.errors.length > 0) {
        const types = [...new Set(body.errors.map((e) => e.type ?? 'ERROR'))].join(', ');
        if (types.includes('NOT_FOUND')) {
          throw new UpstreamError('GitHub answered NOT_FOUND: repository not found, or the token lacks access to it');
        }
        // The types are GitHub's codes; the messages stay upstream.
        throw new UpstreamError(`GitHub refused the query (${types})`);
      }
      if (!body.data) throw new UpstreamError('GitHub answered a GraphQL response without data');
      this.#account(body.data.rateLimit);
      return body.data;
    }
  }

  /** Counts a page size halved after a failure, in the run's stats. */
  shrunk(): void {
    this.#client.stats.pageShrinks++;
  }

  #account(rateLimit: { cost: number; remaining: number; resetAt: string } | undefined): void {
    if (!rateLimit) return;
    this.#client.stats.points += rateLimit.cost;
    this.#lastCost = Math.max(1, rateLimit.cost);
    this.#remaining = rateLimit.remaining;
    this.#resetAt = Date.parse(rateLimit.resetAt);
    this.#recent.push({ at: this.#client.now(), points: rateLimit.cost });
  }

  // Never send a query the hourly budget cannot pay, nor one that would pass the per-minute one.
  async #pace(): Promise<void> {
    if (this.#remaining !== undefined && this.#remaining < this.#lastCost) {
      const delay = this.#resetAt - this.#client.now();
      if (delay > 0) await this.#client.waitFor(delay + 1_000);
      this.#remaining = undefined;
    }
    const now = this.#client.now();
    while (this.#recent.length > 0 && this.#recent[0]!.at <= now - 60_000) this.#recent.shift();
    const spent = this.#recent.reduce((sum, r) => sum + r.points, 0);
    if (spent + this.#lastCost > this.#perMinute && this.#recent.length > 0) {
      await this.#client.waitFor(this.#recent[0]!.at + 60_000 - now);
      this.#recent.length = 0;
    }
  }
}

/** The size of the next page: halved on a failure, grown back by a quarter after a run of successes. */
export class PageSize {
  #size: number;
  #streak = 0;
  readonly #max: number;
  readonly #min: number;
  readonly #growAfter: number;

  constructor(options: GraphqlOptions = {}, start?: number) {
    this.#max = options.maxPage ?? 100;
    this.#min = options.minPage ?? 5;
    this.#growAfter = options.growAfter ?? 4;
    this.#size = Math.min(this.#max, Math.max(this.#min, start ?? this.#max));
  }

  get value(): number {
    return this.#size;
  }

  /**
   * Runs one page at the current size; on a transient failure (502, 504, a timeout, a cut answer)
   * asks for the same page again at half the size. At the smallest size the client's own retries
   * (with backoff) take over, and their failure is the sync's.
   */
  async run<T>(graphql: GithubGraphql, page: (size: number, attempts: number) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await page(this.#size, this.#size <= this.#min ? 6 : 1);
        if (++this.#streak >= this.#growAfter && this.#size < this.#max) {
          this.#size = Math.min(this.#max, Math.ceil(this.#size * 1.25));
          this.#streak = 0;
        }
        return result;
      } catch (error) {
        if (!(error instanceof TransientError) || this.#size <= this.#min) throw error;
        this.#size = Math.max(this.#min, Math.floor(this.#size / 2));
        this.#streak = 0;
        graphql.shrunk();
      }
    }
  }
}
