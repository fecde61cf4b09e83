/** The in-process tag store: tag invalidation stamps in a Map. Shared stores live in `bus/`. */
import type { Ms, TagStore } from '../types.ts';

/** Creates a tag store that lives and dies with the process. */
export function memoryTagStore(): TagStore {
  const times = new Map<string, Ms>();
  const record = (tags: readonly string[], at: Ms): void => {
    for (const tag of tags) {
      const previous = times.get(tag);
      if (previous === undefined || at > previous) times.set(tag, at);
    }
  };
  return {
    invalidatedAt: (tag) => times.get(tag),
    invalidate: record,
    remember: record,
  };
}
