/**
 * The keys a cache view with key families has validated, each with its full (namespaced) key and
 * the first-tier counters of its family. An L1 hit then costs one map lookup here instead of a
 * key scan, a concatenation and a family lookup. (Without families a key scan alone is cheaper.)
 */
import type { Families, FamilyTierCounters } from './families.ts';

/** A validated key. */
export interface KeySlot {
  /** The key with the view's namespace prefix. */
  readonly full: string;
  /** The first tier's counters of the key's family. */
  readonly family: FamilyTierCounters | undefined;
}

/** At most this many keys are remembered per view; then all are forgotten at once. */
const MAX_SLOTS = 10_000;

/** Remembers validated keys. */
export class KeySlots {
  readonly #slots = new Map<string, KeySlot>();

  /**
   * `toFull` validates a key (throwing on a bad one) and returns its full key; it runs once per
   * remembered key.
   */
  constructor(
    readonly toFull: (key: string) => string,
    readonly families: Families,
  ) {}

  /** The slot of `key`. Throws what `toFull` throws for an invalid key. */
  of(key: string): KeySlot {
    const known = this.#slots.get(key);
    if (known !== undefined) return known;
    const full = this.toFull(key);
    const slot: KeySlot = { full, family: this.families.of(full).tiers[0] };
    // A plain bound: forgetting every slot at once is cheaper than tracking recency.
    if (this.#slots.size >= MAX_SLOTS) this.#slots.clear();
    this.#slots.set(key, slot);
    return slot;
  }
}
