/** The in-process tag store: tag invalidation stamps in a Map. Shared stores live in `bus/`. */
import type { TagStore } from '../types.ts';
import { TagTimes } from './tag-times.ts';

/** Creates a tag store that lives and dies with the process. */
export function memoryTagStore(): TagStore {
  const times = new TagTimes();
  return {
    invalidatedAt: (tag) => times.get(tag),
    invalidate: (tags, at) => times.remember(tags, at),
    remember: (tags, at) => times.remember(tags, at),
    prune: (before) => times.prune(before),
  };
}
