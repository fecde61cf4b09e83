/**
 * Fixed-window request limits, one window per caller (a GitHub token, a Jira account), the way
 * GitHub's primary limit works: the window opens with the caller's first request and resets
 * `windowMs` later. The clock is injected, so a test moves time instead of sleeping.
 */

/** A limit of `limit` requests per `windowMs`. */
export interface WindowLimit {
  limit: number;
  windowMs: number;
}

/** Where a caller stands in its current window. */
export interface WindowState {
  limit: number;
  used: number;
  remaining: number;
  /** When the window resets, in epoch milliseconds. */
  resetAt: number;
}

/** The result of trying to spend one request. */
export interface TakeResult extends WindowState {
  allowed: boolean;
}

/** Per-caller fixed windows over an injected clock. */
export class WindowLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    readonly config: WindowLimit,
    private readonly now: () => number,
  ) {}

  /** The caller's state without spending anything (what `GET /rate_limit` reports). */
  peek(caller: string): WindowState {
    return this.state(this.current(caller));
  }

  /** Spends `amount` (one request, or a query's points) if the window has that much left. */
  take(caller: string, amount = 1): TakeResult {
    const window = this.current(caller);
    if (window.used + amount > this.config.limit) return { ...this.state(window), allowed: false };
    window.used += amount;
    this.windows.set(caller, window);
    return { ...this.state(window), allowed: true };
  }

  /** Forgets every window (all callers start fresh). */
  clear(): void {
    this.windows.clear();
  }

  private current(caller: string): { start: number; used: number } {
    const now = this.now();
    const window = this.windows.get(caller);
    if (window && now < window.start + this.config.windowMs) return window;
    // Not stored until something is spent, so peeking never opens a window.
    return { start: now, used: 0 };
  }

  private state(window: { start: number; used: number }): WindowState {
    return {
      limit: this.config.limit,
      used: window.used,
      remaining: Math.max(0, this.config.limit - window.used),
      resetAt: window.start + this.config.windowMs,
    };
  }
}

/** Whole seconds from `now` until `resetAt`, at least 1 — the value of a `Retry-After` header. */
export function retryAfterSeconds(resetAt: number, now: number): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000));
}
