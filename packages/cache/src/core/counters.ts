/**
 * The read and write counters kept for each tier, and for each key family in each tier. Plain
 * fields, so reading stats scans nothing and counting is one increment.
 */
export class TierCounters {
  /** Fresh values found. */
  hits = 0;
  /** Reads that found nothing usable. */
  misses = 0;
  /** Values found past their freshness (still within grace). */
  staleHits = 0;
  /** Calls that failed or timed out. */
  errors = 0;
  writes = 0;
}
