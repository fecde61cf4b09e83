/**
 * Daily metric points: what the cache keeps for a team or an integration (every stored day of
 * every window, oldest first) and how a request's range and interval are cut from it — one point
 * per day, or per week (the value as of each week's last day). Only days whose window holds
 * complete history are stored; a day before the first of them is `incomplete` (no value drawn).
 */
import { DEFAULT_METRIC_WINDOW } from '@agiletrack/domain';
import { rollupMetrics } from './metrics-rollup.ts';
import type { MetricsHistoryView, MetricsPoint } from './views.ts';

/** A history request: days `YYYY-MM-DD` (default: the 90 days up to the newest point) and an interval. */
export interface HistoryQuery {
  from?: string | undefined;
  to?: string | undefined;
  interval?: 'day' | 'week' | undefined;
  windowDays?: number | undefined;
}

/** Every window's series of one scope. */
export interface HistorySeries {
  byWindow: Record<string, DailySeries>;
}

/** Every stored day of one scope, oldest first. */
export interface DailySeries {
  windowDays: number;
  days: string[];
  metrics: Record<string, number | null>[];
}

const DAY = 86_400_000;

/** `2024-01-31` → epoch ms of its midnight UTC. */
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);
/** Epoch ms → `2024-01-31`. */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Rolls several integrations' series of one window into one, one roll-up per day, from the first
 * day every one of them has (before it, a team point would miss an integration's items).
 */
export function rollupSeries(windowDays: number, list: readonly DailySeries[]): DailySeries {
  const present = list.filter((s) => s.days.length > 0);
  // Days are `YYYY-MM-DD`: text order is time order.
  const from =
    present
      .map((s) => s.days[0]!)
      .sort()
      .at(-1) ?? '';
  const rows = present.flatMap((s) => s.days.map((day, i) => ({ day, metrics: s.metrics[i]! })));
  const byDay = new Map<string, Record<string, number | null>[]>();
  for (const row of rows) {
    if (row.day < from) continue;
    let list = byDay.get(row.day);
    if (!list) {
      list = [];
      byDay.set(row.day, list);
    }
    list.push(row.metrics);
  }
  const days = [...byDay.keys()].sort();
  return { windowDays, days, metrics: days.map((day) => rollupMetrics(byDay.get(day)!)) };
}

/** The default range: the 90 days up to the newest stored day (or today before any). */
export function defaultRange(series: DailySeries, today: number): { from: string; to: string } {
  const to = series.days.at(-1) ?? dayOf(today);
  return { from: dayOf(dayStart(to) - 89 * DAY), to };
}

/** The points of `from`..`to` (inclusive days): every day, or every week's last day (Sunday) and the range's end. */
export function pointsOf(series: DailySeries, from: string, to: string, interval: 'day' | 'week'): MetricsPoint[] {
  const index = new Map(series.days.map((day, i) => [day, i]));
  const points: MetricsPoint[] = [];
  const end = dayStart(to);
  for (let t = dayStart(from); t <= end; t += DAY) {
    const sunday = new Date(t).getUTCDay() === 0;
    if (interval === 'week' && !sunday && t !== end) continue;
    const day = dayOf(t);
    const i = index.get(day);
    const incomplete = i === undefined && (series.days.length === 0 || day < series.days[0]!);
    points.push({ day, metrics: i === undefined ? null : series.metrics[i]!, incomplete });
  }
  return points;
}

/** The points of `query`'s range (default: the 90 days up to the newest point) at its interval. */
export function cutHistory(
  scope: MetricsHistoryView['scope'],
  all: HistorySeries,
  query: HistoryQuery,
  now: number,
): MetricsHistoryView {
  const windowDays = query.windowDays ?? DEFAULT_METRIC_WINDOW;
  // `?.`: an entry cached by an older version holds one window's series only.
  const series = all.byWindow?.[String(windowDays)] ?? { windowDays, days: [], metrics: [] };
  const range = defaultRange(series, now);
  const to =
    query.to ?? (query.from === undefined ? range.to : dayOf(Math.min(Date.parse(query.from) + 89 * 86_400_000, now)));
  const from = query.from ?? dayOf(Date.parse(to) - 89 * 86_400_000);
  const interval = query.interval ?? 'day';
  return { scope, windowDays: series.windowDays, interval, from, to, points: pointsOf(series, from, to, interval) };
}
