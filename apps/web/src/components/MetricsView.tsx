/** Metric cards, bars per series, and the time line of snapshots seen this session. */
import { useMemo } from 'react';
import { formatDate, formatNumber, metricLabel, orderMetrics } from '../app/format.ts';
import { type HistoryPoint, recordSnapshot } from '../app/history.ts';
import { BarChart, type BarSeries } from './BarChart.tsx';
import { TimeChart } from './TimeChart.tsx';

/** Headline numbers. */
export function MetricCards({ values }: { values: Readonly<Record<string, number | null>> }) {
  const names = orderMetrics(Object.keys(values)).filter((name) => values[name] !== null);
  if (names.length === 0) return <p className="muted">No metrics yet: run a sync to compute them.</p>;
  return (
    <div className="cards" data-testid="metric-cards">
      {names.map((name) => (
        <div className="card" key={name}>
          <div className="card-value">{formatNumber(values[name])}</div>
          <div className="card-label">{metricLabel(name)}</div>
        </div>
      ))}
    </div>
  );
}

/** Bars of every metric any series has. */
export function MetricBars({ series }: { series: readonly BarSeries[] }) {
  const names = orderMetrics(
    series.flatMap((s) => Object.entries(s.values ?? {}).flatMap(([name, value]) => (value === null ? [] : [name]))),
  );
  return <BarChart metrics={names} series={series} />;
}

/**
 * Records the snapshot under `id` and plots the chosen metrics over the snapshots seen this
 * session (x: when each snapshot was computed).
 */
export function SessionTimeline({
  id,
  computedAt,
  values,
}: {
  id: string;
  computedAt: string | null;
  values: Readonly<Record<string, number | null>> | null;
}) {
  const points: readonly HistoryPoint[] = useMemo(
    () => recordSnapshot(id, computedAt, values),
    [id, computedAt, values],
  );
  const { times, rates, durations } = useMemo(() => {
    const names = orderMetrics(points.flatMap((p) => Object.keys(p.values))).filter((name) =>
      points.some((p) => p.values[name] !== null && p.values[name] !== undefined),
    );
    const line = (name: string) => ({ label: metricLabel(name), values: points.map((p) => p.values[name] ?? null) });
    return {
      times: points.map((p) => p.at),
      // Hours and counts on one axis would flatten one of them: two charts.
      rates: names.filter((name) => !name.endsWith('Hours')).map(line),
      durations: names.filter((name) => name.endsWith('Hours')).map(line),
    };
  }, [points]);
  if (points.length === 0) return <p className="muted">No snapshot yet.</p>;
  return (
    <div>
      <div className="grid two">
        <div>
          <div className="chart-title">Counts and rates</div>
          <TimeChart times={times} series={rates} height={180} />
        </div>
        <div>
          <div className="chart-title">Durations (hours)</div>
          <TimeChart times={times} series={durations} height={180} />
        </div>
      </div>
      <p className="muted small">
        {points.length} {points.length === 1 ? 'snapshot' : 'snapshots'} seen this session · newest computed{' '}
        {formatDate(points[points.length - 1]!.at)}. Each sync adds a point.
      </p>
    </div>
  );
}
