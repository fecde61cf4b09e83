/**
 * Write fences for shared tiers. Deleting a key from a shared tier leaves a tombstone
 * (`~fence:<stamp>`, kept for `fenceTtl`) instead of nothing; a refresh writes with
 * `setFenced`, which refuses a value created at or before the fence. So a slow reader on any
 * instance, whose value was read before a writer's invalidation, cannot put it back afterwards,
 * even when the invalidation message reaches that instance too late (or, without Redis, never).
 */

import { FENCE_PREFIX } from '../codec/header.ts';

export { FENCE_PREFIX };

/** The stored form of a fence at stamp `at`. */
export const fenceValue = (at: number): string => `${FENCE_PREFIX}${at}`;

/** Whether a stored string is a fence (a miss, not a corrupt entry). */
export const isFence = (raw: string): boolean => raw.startsWith(FENCE_PREFIX);
