/**
 * Making room in a full web storage: the old copy of the key being written, our expired and
 * corrupt entries, then our oldest (by `timestamp`) until enough bytes are free. Each value's
 * header is parsed, not its data. Keys without our prefix are never read or touched.
 */
import type { Ms } from '../types.ts';
import { bytesOf, type StorageAccess } from './web-storage-access.ts';

/** The timestamp and end of life (staleUntil or the tier's keep, whichever is first) of an entry. */
export interface Header {
  readonly timestamp: Ms;
  readonly until: Ms;
}

/** What eviction needs from the tier. */
export interface EvictionHost {
  /** Removes a key (and whatever the tier keeps about it). */
  remove(storageKey: string): void;
  /** The entry's header; `undefined` for a corrupt one, which it has removed and counted. */
  header(storageKey: string, raw: string): Header | undefined;
  /** Counts a removal made to make room and tells the cache. */
  evict(storageKey: string): void;
}

/** Frees at least `needed` bytes of ours for a write of `target` (see the file comment). */
export function makeRoom(store: StorageAccess, host: EvictionHost, target: string, needed: number, now: Ms): void {
  let freed = 0;
  const live: { storageKey: string; timestamp: Ms; bytes: number }[] = [];
  for (const storageKey of store.ownKeys()) {
    const raw = store.read(storageKey);
    if (raw === null) continue;
    const bytes = bytesOf(storageKey, raw);
    if (storageKey === target) {
      host.remove(storageKey); // being replaced; must not survive a failed write either
      freed += bytes;
      continue;
    }
    const header = host.header(storageKey, raw);
    if (header === undefined) {
      freed += bytes; // corrupt: header() removed and counted it
    } else if (header.until <= now) {
      host.remove(storageKey);
      host.evict(storageKey);
      freed += bytes;
    } else {
      live.push({ storageKey, timestamp: header.timestamp, bytes });
    }
  }
  live.sort((a, b) => a.timestamp - b.timestamp);
  for (const item of live) {
    if (freed >= needed) break;
    host.remove(item.storageKey);
    host.evict(item.storageKey);
    freed += item.bytes;
  }
}
