/**
 * Metric values seen during this session, for the time lines. The API serves the newest snapshot
 * only, so each distinct snapshot (by its `computedAt`) seen while the page is open becomes a
 * point. Kept in memory only: it is a view of this session, not data to persist.
 */

/** One snapshot's values. */
export interface HistoryPoint {
  readonly at: number;
  readonly values: Readonly<Record<string, number | null>>;
}

const MAX_POINTS = 100;
const series = new Map<string, HistoryPoint[]>();

/** Records a snapshot under `id` (e.g. `team:3`); returns the id's points, oldest first. */
export function recordSnapshot(
  id: string,
  computedAt: string | null,
  values: Readonly<Record<string, number | null>> | null,
): readonly HistoryPoint[] {
  let points = series.get(id);
  if (points === undefined) {
    points = [];
    series.set(id, points);
  }
  const at = computedAt === null ? Number.NaN : Date.parse(computedAt);
  if (values !== null && Number.isFinite(at)) {
    const index = points.findIndex((point) => point.at === at);
    if (index >= 0) points[index] = { at, values };
    else {
      points.push({ at, values });
      points.sort((a, b) => a.at - b.at);
      if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
    }
  }
  return [...points];
}

/** Throws when a cached value does not belong where it was read from (a corrupted cache). */
export function assertConsistent(ok: boolean, what: string): void {
  if (!ok) throw new Error(`cached ${what} does not match this page`);
}
