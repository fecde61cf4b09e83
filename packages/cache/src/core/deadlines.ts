/**
 * Deadlines for tier calls without a timer per call. Calls given the same deadline length expire
 * in the order they started, so each length keeps a FIFO queue and one timer, armed for its
 * oldest open call. Settling a call only marks it; the timer skips settled calls when it fires.
 * On a busy tier this replaces a `setTimeout` and a `clearTimeout` per call (and the timer
 * object they allocate) by an array push.
 */
import type { Ms } from '../types.ts';

const now = (): number => performance.now();

/** A call waiting on its deadline. */
export interface Waiting {
  /** Marks the call settled; `false` when its deadline fired first (the caller then does nothing). */
  settle(): boolean;
}

class Slot implements Waiting {
  constructor(
    readonly queue: DeadlineQueue,
    readonly at: number,
    public expire: (() => void) | undefined,
  ) {}

  settle(): boolean {
    if (this.expire === undefined) return false;
    this.expire = undefined;
    this.queue.closed();
    return true;
  }
}

type Timer = ReturnType<typeof setTimeout> & { ref?: () => void; unref?: () => void };

class DeadlineQueue {
  #slots: Slot[] = [];
  #head = 0;
  #open = 0;
  #timer: Timer | undefined;

  constructor(readonly ms: Ms) {}

  add(expire: () => void): Slot {
    const slot = new Slot(this, now() + this.ms, expire);
    this.#slots.push(slot);
    if (this.#open++ === 0) {
      if (this.#timer === undefined) this.#arm(this.ms);
      // The timer holds the process open only while a call is open, as a timer per call would.
      else this.#timer.ref?.();
    }
    return slot;
  }

  closed(): void {
    if (--this.#open === 0) this.#timer?.unref?.();
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(ms))) as Timer;
    if (this.#open === 0) this.#timer.unref?.();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const slots = this.#slots;
    const t = now();
    while (this.#head < slots.length) {
      const slot = slots[this.#head]!;
      if (slot.expire !== undefined) {
        if (slot.at > t) break;
        const expire = slot.expire;
        slot.expire = undefined;
        this.#open--;
        expire();
      }
      this.#head++;
    }
    if (this.#head === slots.length) {
      this.#slots = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > slots.length) {
      this.#slots = slots.slice(this.#head);
      this.#head = 0;
    }
    this.#arm(this.#slots[this.#head]!.at - t);
  };
}

// Timers take at most 2^31 - 1 ms (longer ones fire after 1 ms): a longer deadline never fires.
const MAX_TIMER_MS = 2_147_483_647;
const NEVER: Waiting = { settle: () => true };

/** Deadline queues by length: a tier runtime keeps one set (in practice two lengths, tier and admin). */
export class Deadlines {
  readonly #queues = new Map<Ms, DeadlineQueue>();

  /**
   * Calls `expire` once `ms` have passed, unless the returned call is settled first. A deadline
   * of `Infinity` (or past what a timer can wait) never expires.
   */
  add(ms: Ms, expire: () => void): Waiting {
    if (!(ms <= MAX_TIMER_MS)) return NEVER;
    let queue = this.#queues.get(ms);
    if (queue === undefined) {
      queue = new DeadlineQueue(ms);
      this.#queues.set(ms, queue);
    }
    return queue.add(expire);
  }
}
