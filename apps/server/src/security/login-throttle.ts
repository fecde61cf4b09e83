/**
 * Login throttling: a budget of attempts per account and per client address within a fixed
 * window. An attempt is counted *before* the password is checked, so parallel guesses cannot
 * slip past the budget; a successful login gives its attempt back (and clears the account's
 * count). Over budget, the login is refused without hashing anything. Counters live in Redis
 * when it is configured (one script per counter: every instance sees the same numbers), in
 * memory otherwise. Windows use the injected clock, so tests move time by hand.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '@agiletrack/cache/tiers/redis';
import { LRUCache } from 'lru-cache';
import { addressBytes } from './addresses.ts';

/** One counter after an update: attempts in the window and when the window ends. */
export interface Count {
  readonly count: number;
  readonly resetInMs: number;
}

/** Where counters live. `add` with 0 reads; with +1/-1 it counts or gives back. */
export interface ThrottleStore {
  add(key: string, delta: number, windowMs: number, now: number): Promise<Count>;
  reset(key: string): Promise<void>;
}

/** Counters in this process (single instance, or no Redis). Bounded; idle counters age out. */
export function memoryThrottleStore(maxKeys = 100_000): ThrottleStore {
  const counters = new LRUCache<string, { count: number; resetAt: number }>({ max: maxKeys });
  return {
    async add(key, delta, windowMs, now) {
      let counter = counters.get(key);
      if (!counter || counter.resetAt <= now) counter = { count: 0, resetAt: now + windowMs };
      counter = { count: Math.max(0, counter.count + delta), resetAt: counter.resetAt };
      if (delta !== 0) counters.set(key, counter);
      return { count: counter.count, resetInMs: counter.resetAt - now };
    },
    async reset(key) {
      counters.delete(key);
    },
  };
}

// KEYS[1] counter; ARGV: now, window, delta. The hash holds the count and the window's end;
// PEXPIRE only cleans up. Returns {count, ms until the window ends}.
const ADD_SCRIPT = `
local v = redis.call('HMGET', KEYS[1], 'n', 'r')
local now = tonumber(ARGV[1])
local n = tonumber(v[1]) or 0
local r = tonumber(v[2]) or 0
if r <= now then n = 0; r = now + tonumber(ARGV[2]) end
local delta = tonumber(ARGV[3])
n = math.max(0, n + delta)
if delta ~= 0 then
  redis.call('HSET', KEYS[1], 'n', n, 'r', r)
  redis.call('PEXPIRE', KEYS[1], math.max(1, r - now))
end
return {n, r - now}`;

/** Counters shared by every instance through Redis, under `prefix`. */
export function redisThrottleStore(client: RedisClient, prefix: string): ThrottleStore {
  return {
    async add(key, delta, windowMs, now) {
      const [count, resetInMs] = (await client.eval(ADD_SCRIPT, 1, `${prefix}${key}`, now, windowMs, delta)) as [
        number,
        number,
      ];
      return { count, resetInMs };
    },
    async reset(key) {
      await client.del(`${prefix}${key}`);
    },
  };
}

/** Budgets; every default is here. */
export interface LoginThrottleOptions {
  store: ThrottleStore;
  /** Attempts per account per window. @default 5 */
  maxPerAccount?: number;
  /** Attempts per client address per window. @default 50 */
  maxPerAddress?: number;
  /** @default 15 minutes */
  windowMs?: number;
  now?: () => number;
}

/** The outcome of {@link LoginThrottle.begin}: refused with a wait, or an attempt to settle. */
export type Admission =
  | { readonly allowed: false; readonly retryAfterMs: number }
  | { readonly allowed: true; succeeded(): Promise<void> };

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

// IPv6 clients own at least a /64: budget them per /64, or one host could rotate addresses.
function addressKey(address: string): string {
  const bytes = addressBytes(address);
  if (!bytes || bytes.length === 4) return address;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  return `${Buffer.from(bytes.slice(0, 8)).toString('hex')}/64`;
}

/** See the file comment. */
export class LoginThrottle {
  readonly maxPerAccount: number;
  readonly maxPerAddress: number;
  readonly windowMs: number;
  readonly #store: ThrottleStore;
  readonly #now: () => number;

  constructor(options: LoginThrottleOptions) {
    this.#store = options.store;
    this.maxPerAccount = options.maxPerAccount ?? 5;
    this.maxPerAddress = options.maxPerAddress ?? 50;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Counts an attempt for `email` from `address`; refuses it when either budget is spent. */
  async begin(email: string, address: string): Promise<Admission> {
    const now = this.#now();
    // Emails are hashed: the counters' names carry no personal data.
    const account = `acct:${digest(email.trim().toLowerCase())}`;
    const client = `addr:${addressKey(address)}`;
    const [a, c] = await Promise.all([
      this.#store.add(account, 1, this.windowMs, now),
      this.#store.add(client, 1, this.windowMs, now),
    ]);
    const waits = [
      ...(a.count > this.maxPerAccount ? [a.resetInMs] : []),
      ...(c.count > this.maxPerAddress ? [c.resetInMs] : []),
    ];
    if (waits.length > 0) return { allowed: false, retryAfterMs: Math.max(1_000, ...waits) };
    return {
      allowed: true,
      succeeded: async () => {
        await Promise.all([this.#store.reset(account), this.#store.add(client, -1, this.windowMs, this.#now())]);
      },
    };
  }
}
