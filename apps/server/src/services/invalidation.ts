/**
 * After a write commits: drop exactly the keys it made stale (every tier, every instance through
 * the bus) and push the event to the browsers allowed to see it. The HTTP response waits for both,
 * so once it arrives no instance serves the old value from L1 or L2.
 */
import type { Cache } from '@agiletrack/cache';
import { type DomainEventInput, DomainEventSchema, keysAffectedBy } from '@agiletrack/domain';
import type { EventHub } from '../events/event-hub.ts';

/** See the file comment. */
export class Invalidator {
  constructor(
    readonly cache: Cache,
    readonly hub: EventHub,
  ) {}

  /** Invalidates what `event` affects, plus `extraKeys` (e.g. a deleted team's integrations). */
  async after(event: DomainEventInput, extraKeys: readonly string[] = []): Promise<readonly string[]> {
    const parsed = DomainEventSchema.parse(event);
    const keys = [...new Set([...keysAffectedBy(parsed), ...extraKeys])];
    await this.cache.deleteMany(keys);
    await this.hub.publish({ ...parsed, keys });
    return keys;
  }
}
