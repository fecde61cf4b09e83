/**
 * Key families: the cache option `family(key)` names the family of each key (`team_12_metrics`
 * → `team_metrics`), and the cache keeps counters and timing histograms per family, overall and
 * per tier. Off (no cost but one branch) when the option is not set.
 */
import { TierCounters } from './counters.ts';
import { Histogram, type HistogramSnapshot } from './histogram.ts';

/** At most this many families are tracked; keys of later ones count under {@link OTHER_FAMILY}. */
export const MAX_FAMILIES = 500;
/** The family of keys past {@link MAX_FAMILIES}, or whose `family()` threw or returned no name. */
export const OTHER_FAMILY = 'other';
/** How many key → family lookups are remembered (the family function runs once per key). */
const KEY_MEMO = 10_000;

/** One family's counters in one tier. */
export class FamilyTierCounters extends TierCounters {
  /** Estimated size of the values written (the structural estimate of `size.ts`). */
  bytesWritten = 0;
  evictions = 0;
  /** Durations of reads of this family's keys in this tier (asynchronous tiers). */
  readonly readTime = new Histogram();
}

/** One family's counters. */
export class FamilyCounters {
  /** Reads with no fresh value in any tier. */
  misses = 0;
  /** Fresh hits of re-checks under a lock: tier reads, but within a read counted once already. */
  recheckHits = 0;
  /** Stale values served (stale-while-revalidate and grace). */
  staleServes = 0;
  /** Keys produced by a factory or `loadMany`. */
  loads = 0;
  loadErrors = 0;
  readonly loadTime = new Histogram();
  readonly tiers: FamilyTierCounters[];

  constructor(
    readonly name: string,
    tierCount: number,
  ) {
    this.tiers = Array.from({ length: tierCount }, () => new FamilyTierCounters());
  }

  /**
   * Reads answered with a fresh value (any tier). Each such read is one hit in the tier that
   * answered, so this is summed here rather than counted a second time on every hit.
   */
  get hits(): number {
    let hits = -this.recheckHits;
    for (const tier of this.tiers) hits += tier.hits;
    return hits;
  }
}

/** A family's counters as `stats().families[name]` reports them. */
export interface FamilyStatsReport {
  hits: number;
  misses: number;
  staleServes: number;
  /** hits / (hits + misses), 0 without reads. */
  hitRate: number;
  loads: number;
  loadErrors: number;
  loadTime: HistogramSnapshot;
  /** Tier errors on this family's keys, all tiers. */
  errors: number;
  /** Estimated bytes of values written, all tiers. */
  bytesWritten: number;
  evictions: number;
  /** Per tier name. */
  tiers: Record<
    string,
    {
      hits: number;
      misses: number;
      staleHits: number;
      errors: number;
      writes: number;
      bytesWritten: number;
      evictions: number;
      readTime: HistogramSnapshot;
    }
  >;
}

/** Maps keys to their family's counters. */
export class Families {
  readonly #name: (key: string) => string;
  readonly #tierCount: number;
  readonly #byName = new Map<string, FamilyCounters>();
  readonly #byKey = new Map<string, FamilyCounters>();

  constructor(name: (key: string) => string, tierCount: number) {
    this.#name = name;
    this.#tierCount = tierCount;
  }

  /** The counters of `key`'s family. */
  of(key: string): FamilyCounters {
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    let name: string;
    try {
      name = this.#name(key);
    } catch {
      name = OTHER_FAMILY;
    }
    if (typeof name !== 'string' || name === '') name = OTHER_FAMILY;
    let counters = this.#byName.get(name);
    if (counters === undefined) {
      if (this.#byName.size >= MAX_FAMILIES) name = OTHER_FAMILY;
      counters = this.#byName.get(name);
      if (counters === undefined) {
        counters = new FamilyCounters(name, this.#tierCount);
        this.#byName.set(name, counters);
      }
    }
    // A plain bound: forgetting every memo at once is cheaper than tracking recency.
    if (this.#byKey.size >= KEY_MEMO) this.#byKey.clear();
    this.#byKey.set(key, counters);
    return counters;
  }

  /** The family name of `key`. */
  nameOf(key: string): string {
    return this.of(key).name;
  }

  /** Every family's report, by name. */
  report(tierNames: readonly string[]): Record<string, FamilyStatsReport> {
    const out: Record<string, FamilyStatsReport> = {};
    for (const [name, f] of this.#byName) {
      const hits = f.hits;
      const reads = hits + f.misses;
      const tiers: FamilyStatsReport['tiers'] = {};
      let errors = 0;
      let bytesWritten = 0;
      let evictions = 0;
      f.tiers.forEach((t, i) => {
        errors += t.errors;
        bytesWritten += t.bytesWritten;
        evictions += t.evictions;
        tiers[tierNames[i]!] = {
          hits: t.hits,
          misses: t.misses,
          staleHits: t.staleHits,
          errors: t.errors,
          writes: t.writes,
          bytesWritten: t.bytesWritten,
          evictions: t.evictions,
          readTime: t.readTime.snapshot(),
        };
      });
      out[name] = {
        hits,
        misses: f.misses,
        staleServes: f.staleServes,
        hitRate: reads === 0 ? 0 : hits / reads,
        loads: f.loads,
        loadErrors: f.loadErrors,
        loadTime: f.loadTime.snapshot(),
        errors,
        bytesWritten,
        evictions,
        tiers,
      };
    }
    return out;
  }
}
