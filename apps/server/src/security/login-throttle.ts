/**
 * Login throttling, so that guessing is slow and nobody can lock an account they do not own:
 * - a budget of attempts per account **and** address together (a guesser at one address is
 *   stopped quickly, the owner elsewhere is not);
 * - a budget per client address across accounts;
 * - a slower budget per account over every address: past a free allowance, each address must
 *   wait a delay that doubles with the account's attempts (capped) between its attempts on that
 *   account. A flood from many addresses slows itself down; the owner's first attempt from any
 *   address is never refused by it, and addresses the owner logged in from before skip it.
 * An attempt is counted *before* the password is checked, so parallel guesses cannot slip past a
 * budget; a successful login gives its attempts back. Over budget, the login is refused without
 * hashing anything. Counters live in Redis when it is configured (one script per counter: every
 * instance sees the same numbers), in memory otherwise. Windows use the injected clock.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '@agiletrack/cache/redis';
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
  /** Attempts per account from one address per window. @default 5 */
  maxPerAccount?: number;
  /** Attempts per client address (any account) per window. @default 50 */
  maxPerAddress?: number;
  /** Attempts on one account (every address) per window before the delay starts. @default 20 */
  accountFreeAttempts?: number;
  /** The first delay between an address's attempts on an account past its free attempts. @default 1 second */
  accountBaseDelayMs?: number;
  /** The longest such delay. @default 5 minutes */
  accountMaxDelayMs?: number;
  /** @default 15 minutes */
  windowMs?: number;
  /** How long an address the account logged in from skips the account delay. @default 30 days */
  knownAddressMs?: number;
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
  readonly accountFreeAttempts: number;
  readonly accountBaseDelayMs: number;
  readonly accountMaxDelayMs: number;
  readonly windowMs: number;
  readonly knownAddressMs: number;
  readonly #store: ThrottleStore;
  readonly #now: () => number;

  constructor(options: LoginThrottleOptions) {
    this.#store = options.store;
    this.maxPerAccount = options.maxPerAccount ?? 5;
    this.maxPerAddress = options.maxPerAddress ?? 50;
    this.accountFreeAttempts = options.accountFreeAttempts ?? 20;
    this.accountBaseDelayMs = options.accountBaseDelayMs ?? 1_000;
    this.accountMaxDelayMs = options.accountMaxDelayMs ?? 5 * 60_000;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.knownAddressMs = options.knownAddressMs ?? 30 * 24 * 3_600_000;
    this.#now = options.now ?? Date.now;
  }

  /** The wait between one address's attempts on an account that has seen `attempts` in the window. */
  accountDelayMs(attempts: number): number {
    const over = attempts - this.accountFreeAttempts;
    if (over <= 0) return 0;
    return Math.min(this.accountMaxDelayMs, this.accountBaseDelayMs * 2 ** Math.min(over - 1, 30));
  }

  /** Counts an attempt for `email` from `address`; refuses it when a budget is spent. */
  async begin(email: string, address: string): Promise<Admission> {
    const now = this.#now();
    // Emails are hashed: the counters' names carry no personal data.
    const who = digest(email.trim().toLowerCase());
    const from = addressKey(address);
    const keys = {
      pair: `pair:${who}:${from}`,
      client: `addr:${from}`,
      account: `acct:${who}`,
      known: `known:${who}:${from}`,
      gap: `gap:${who}:${from}`,
    };
    const [pair, client, account, known] = await Promise.all([
      this.#store.add(keys.pair, 1, this.windowMs, now),
      this.#store.add(keys.client, 1, this.windowMs, now),
      this.#store.add(keys.account, 1, this.windowMs, now),
      this.#store.add(keys.known, 0, this.knownAddressMs, now),
    ]);
    const waits = [
      ...(pair.count > this.maxPerAccount ? [pair.resetInMs] : []),
      ...(client.count > this.maxPerAddress ? [client.resetInMs] : []),
    ];
    // The account delay, per address: one attempt opens a gap as long as the delay, and the
    // next attempt from that address inside it is refused.
    const delay = known.count > 0 ? 0 : this.accountDelayMs(account.count - 1);
    if (waits.length === 0 && delay > 0) {
      const gap = await this.#store.add(keys.gap, 1, delay, now);
      if (gap.count > 1) waits.push(gap.resetInMs);
    }
    if (waits.length > 0) return { allowed: false, retryAfterMs: Math.max(1_000, ...waits) };
    return {
      allowed: true,
      succeeded: async () => {
        const at = this.#now();
        await Promise.all([
          this.#store.reset(keys.pair),
          this.#store.reset(keys.gap),
          this.#store.add(keys.client, -1, this.windowMs, at),
          this.#store.add(keys.account, -1, this.windowMs, at),
          this.#store.reset(keys.known).then(() => this.#store.add(keys.known, 1, this.knownAddressMs, at)),
        ]);
      },
    };
  }
}
