/**
 * What the loaders (`getOrSet`, `getOrSetMany`) may use of the cache: a narrow view of the shared
 * state, of the read path and of the write path. They never see the engine that composes them.
 */
import type { ReadPath } from './reads.ts';
import type { CacheState } from './state.ts';
import type { WritePath } from './writes.ts';

/** The shared state a load needs: options, events, loads under way, counters and entry rules. */
export type LoadState = Pick<
  CacheState,
  | 'options'
  | 'events'
  | 'inFlight'
  | 'stats'
  | 'closed'
  | 'stamp'
  | 'tagsValid'
  | 'nearExpiry'
  | 'buildEntry'
  | 'checkWritable'
>;

/** The reads a load makes. */
export type LoadReads = Pick<ReadPath, 'lookup' | 'lookupMany' | 'firstMany'>;

/** The writes a load makes. */
export type LoadWrites = Pick<WritePath, 'write' | 'writeMany' | 'remove' | 'announceWrites'>;
