/** The local record of tag invalidation stamps every tag store keeps for synchronous reads. */
import type { Ms } from '../types.ts';

/** Tag → latest invalidation stamp; a stamp never moves back. */
export class TagTimes {
  readonly #times = new Map<string, Ms>();

  /** The latest stamp of `tag`, if any. */
  get(tag: string): Ms | undefined {
    return this.#times.get(tag);
  }

  /** Records `at` for each tag unless a later stamp is known already. */
  remember(tags: readonly string[], at: Ms): void {
    for (const tag of tags) {
      const current = this.#times.get(tag);
      if (current === undefined || current < at) this.#times.set(tag, at);
    }
  }

  /** Forgets stamps older than `before`; returns how many. */
  prune(before: Ms): number {
    let removed = 0;
    for (const [tag, at] of this.#times) {
      if (at < before) {
        this.#times.delete(tag);
        removed++;
      }
    }
    return removed;
  }
}
