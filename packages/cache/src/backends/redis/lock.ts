/**
 * A cross-process lock on Redis, so N processes missing one key make one factory call.
 *
 * Acquire is `SET key token NX PX ttl`. Release is a script that deletes the key only if it still
 * holds our token (a holder whose lock expired must not free its successor's) and publishes the
 * key on a channel. Waiters share one subscription and a Map of waiters per key; each waited key
 * is also polled with EXISTS, so a holder that died (its PX ran out) or a release message lost in
 * a reconnect frees waiters anyway. Every Redis call of a wait has the lock's `timeout`: a check
 * Redis does not answer in time (frozen, unreachable) ends the wait (`false`), so the waiter loads
 * without the lock instead of waiting as long as Redis stalls. Every timer is cleared when its
 * wait ends, and unref'd.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withTimeout } from '../../bus/timeout.ts';
import { CacheOptionsError } from '../../errors.ts';
import type { DistributedLock, Ms } from '../../types.ts';
import { checkDuration } from '../../validate.ts';
import { closeRedisClient, type RedisClient, whenReady } from './client.ts';
import { redisNames } from './names.ts';
import { luaScript } from './scripts.ts';
import { openSubscriber } from './subscriber.ts';

/** Redis lock options. Every default is here. */
export interface RedisLockOptions {
  /** A command client (not closed by the lock). */
  client: RedisClient;
  /** A connection used only to subscribe (not closed by the lock). Default: one the lock opens on first wait. */
  subscriber?: Redis;
  /**
   * The namespace every instance shares: lock keys are `<prefix>:lock:<key>` and releases are
   * announced on `<prefix>:lock-released` (see `redis/names.ts`).
   * @default 'cache:'
   */
  prefix?: string;
  /**
   * How often a waited key is checked with EXISTS, for holders that died without releasing.
   * @default 200
   */
  pollInterval?: Ms;
  /**
   * How long the first wait gives the subscriber connection to come up before relying on polling.
   * @default 2_000
   */
  subscribeTimeout?: Ms;
  /**
   * Longest wait for Redis on `acquire`, on a release and on each check of a wait; past it
   * `acquire` and a release reject with `E_CACHE_TIER_TIMEOUT` (an unreleased lock still ends with
   * its PX), and a wait ends unreleased (`false`). A wait also gives the release subscription this
   * long to come up before it starts checking.
   * @default 200
   */
  timeout?: Ms;
}

// KEYS[1] = lock key; ARGV[1] = our token; ARGV[2] = channel. 1 if we held it and released it.
const RELEASE = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], KEYS[1])
  return 1
end
return 0
`);

interface KeyWait {
  readonly waiters: Set<(released: boolean) => void>;
  poll: ReturnType<typeof setTimeout> | undefined;
}

/** The Redis lock class; create it with {@link redisLock}. */
export class RedisLock implements DistributedLock {
  /** Prepended to the key of every lock. */
  readonly keyPrefix: string;
  /** The channel releases are announced on. */
  readonly channel: string;
  readonly #client: RedisClient;
  readonly #givenSubscriber: Redis | undefined;
  readonly #pollInterval: Ms;
  readonly #subscribeTimeout: Ms;
  readonly #timeout: Ms;
  readonly #waits = new Map<string, KeyWait>();
  #subscriber: Redis | undefined;
  #subscription: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisLockOptions) {
    if (!options?.client) throw new CacheOptionsError('redis lock: client is required');
    checkDuration('pollInterval', options.pollInterval);
    checkDuration('subscribeTimeout', options.subscribeTimeout);
    checkDuration('timeout', options.timeout);
    this.#client = options.client;
    this.#givenSubscriber = options.subscriber;
    const names = redisNames(options.prefix, 'redis lock');
    this.keyPrefix = names.lock;
    this.channel = names.lockReleased;
    this.#pollInterval = options.pollInterval ?? 200;
    this.#subscribeTimeout = options.subscribeTimeout ?? 2_000;
    this.#timeout = options.timeout ?? 200;
  }

  /** Tries once to take the lock; resolves to its release function, or `undefined` when held elsewhere. */
  async acquire(key: string, ttl: Ms): Promise<(() => Promise<void>) | undefined> {
    if (!(ttl > 0)) throw new CacheOptionsError(`lock ttl must be positive, got ${ttl}`);
    const lockKey = this.keyPrefix + key;
    const token = randomUUID();
    const attempt = this.#client.set(lockKey, token, 'PX', Math.ceil(ttl), 'NX');
    let taken: 'OK' | null;
    try {
      taken = await withTimeout(attempt, this.#timeout, 'lock', 'acquire');
    } catch (error) {
      // The SET may still land when Redis wakes up: free that orphan at once rather than let
      // every other process wait out its PX.
      attempt
        .then(
          (late) => (late === 'OK' ? RELEASE.run(this.#client, [lockKey], [token, this.channel]) : undefined),
          () => {},
        )
        .catch(() => {});
      throw error;
    }
    if (taken !== 'OK') return undefined;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      const freed = await withTimeout(
        RELEASE.run(this.#client, [lockKey], [token, this.channel]),
        this.#timeout,
        'lock',
        'release',
      );
      // Waiters in this process need not wait for the message to come back around.
      if (freed === 1) this.#wake(lockKey, true);
    };
  }

  /**
   * Resolves `true` when the lock on `key` is free (released or expired), `false` after `timeout`
   * ms or as soon as Redis does not answer a check within the lock's `timeout`. Never rejects.
   */
  waitForRelease(key: string, timeout: Ms): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const lockKey = this.keyPrefix + key;
    return new Promise((resolve) => {
      let wait = this.#waits.get(lockKey);
      const isNew = wait === undefined;
      if (!wait) {
        wait = { waiters: new Set(), poll: undefined };
        this.#waits.set(lockKey, wait);
      }
      const group = wait;
      const waiter = (released: boolean): void => {
        clearTimeout(timer);
        group.waiters.delete(waiter);
        if (group.waiters.size === 0) {
          clearTimeout(group.poll);
          if (this.#waits.get(lockKey) === group) this.#waits.delete(lockKey);
        }
        resolve(released);
      };
      const timer = setTimeout(() => waiter(false), Math.max(0, timeout));
      timer.unref?.();
      group.waiters.add(waiter);
      // Check once subscribed, so a release between the check and the SUBSCRIBE is not missed; but
      // never wait longer than a Redis call may take: the checks that follow catch such a release.
      if (isNew) {
        void withTimeout(this.#subscribe(), this.#timeout, 'lock', 'subscribe')
          .catch(() => {})
          .then(() => this.#poll(lockKey, group));
      }
    });
  }

  /**
   * Opens the release subscription now (it is otherwise opened by the first wait) and resolves
   * once it is subscribed, or once it gave up (waits then rely on polling).
   */
  ready(): Promise<void> {
    return this.#subscribe();
  }

  /** Ends every wait (`false`) and closes the subscriber connection if the lock opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lockKey of [...this.#waits.keys()]) this.#wake(lockKey, false);
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (!subscriber) return;
    subscriber.off('message', this.#onMessage);
    subscriber.off('ready', this.#onReady);
    if (subscriber === this.#givenSubscriber) await subscriber.unsubscribe(this.channel).catch(() => {});
    else await closeRedisClient(subscriber);
  }

  #wake(lockKey: string, released: boolean): void {
    const group = this.#waits.get(lockKey);
    if (!group) return;
    for (const waiter of [...group.waiters]) waiter(released);
  }

  #poll(lockKey: string, group: KeyWait): void {
    if (this.#waits.get(lockKey) !== group || this.#closed) return;
    withTimeout(this.#client.exists(lockKey), this.#timeout, 'lock', 'exists').then(
      (count) => {
        if (count === 0) this.#wake(lockKey, true);
        else this.#schedulePoll(lockKey, group);
      },
      // Redis did not answer in time (frozen, unreachable): whether the holder is alive cannot be
      // known, and waiting would last as long as Redis stalls. The waiters load without the lock.
      () => {
        if (this.#waits.get(lockKey) === group) this.#wake(lockKey, false);
      },
    );
  }

  #schedulePoll(lockKey: string, group: KeyWait): void {
    if (this.#waits.get(lockKey) !== group || this.#closed) return;
    group.poll = setTimeout(() => this.#poll(lockKey, group), this.#pollInterval);
    group.poll.unref?.();
  }

  /** Subscribes once; settles (never rejects) when subscribed or when it gave up, polling covers the rest. */
  #subscribe(): Promise<void> {
    this.#subscription ??= (async () => {
      try {
        const subscriber = this.#givenSubscriber ?? (await openSubscriber(this.#client, this.#subscribeTimeout));
        if (this.#closed) {
          if (subscriber !== this.#givenSubscriber) await closeRedisClient(subscriber);
          return;
        }
        this.#subscriber = subscriber;
        subscriber.on('message', this.#onMessage);
        // After a failed first attempt or a reconnect without auto-resubscribe, subscribe again.
        subscriber.on('ready', this.#onReady);
        await whenReady(subscriber, this.#subscribeTimeout);
        await subscriber.subscribe(this.channel);
      } catch {
        // Releases are noticed by polling meanwhile. Without a connection at all (a cluster not
        // ready yet), let the next wait try again.
        if (!this.#subscriber) this.#subscription = undefined;
      }
    })();
    return this.#subscription;
  }

  readonly #onReady = (): void => {
    this.#subscriber?.subscribe(this.channel).catch(() => {});
  };

  readonly #onMessage = (channel: string, lockKey: string): void => {
    if (channel === this.channel) this.#wake(lockKey, true);
  };
}

/** Creates a Redis distributed lock. */
export function redisLock(options: RedisLockOptions): RedisLock {
  return new RedisLock(options);
}
