/**
 * Request counts: every answered request is counted once, by normalised route
 * (`GET /repos/:owner/:repo/pulls`) and by status (`200`, `304`, `429`, … and `timeout` for a
 * request the simulator held and then dropped). Counters are plain increments, read as a copy.
 */

/** A snapshot of the counters; keys of `byStatus` are status codes as strings, or `timeout`. */
export interface Counts {
  total: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  /** `byRouteAndStatus['GET /repos/:owner/:repo/pulls']['304']` → how many 304s that route gave. */
  byRouteAndStatus: Record<string, Record<string, number>>;
}

/** The outcome of a request as counted: an HTTP status or a dropped connection. */
export type CountedOutcome = number | 'timeout';

/** Counts requests by route and outcome. */
export class RequestCounter {
  private total = 0;
  private readonly byRoute = new Map<string, number>();
  private readonly byStatus = new Map<string, number>();
  private readonly byRouteAndStatus = new Map<string, Map<string, number>>();

  /** Counts one request. `route` is `METHOD /pattern`. */
  record(route: string, outcome: CountedOutcome): void {
    const status = String(outcome);
    this.total++;
    this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    let perRoute = this.byRouteAndStatus.get(route);
    if (!perRoute) {
      perRoute = new Map();
      this.byRouteAndStatus.set(route, perRoute);
    }
    perRoute.set(status, (perRoute.get(status) ?? 0) + 1);
  }

  /** A copy of the counters, safe to keep and compare. */
  snapshot(): Counts {
    return {
      total: this.total,
      byRoute: Object.fromEntries(this.byRoute),
      byStatus: Object.fromEntries(this.byStatus),
      byRouteAndStatus: Object.fromEntries(
        [...this.byRouteAndStatus].map(([route, statuses]) => [route, Object.fromEntries(statuses)]),
      ),
    };
  }

  /** Sets every counter back to zero. */
  clear(): void {
    this.total = 0;
    this.byRoute.clear();
    this.byStatus.clear();
    this.byRouteAndStatus.clear();
  }
}
