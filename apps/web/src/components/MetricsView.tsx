/**
 * Metric cards (each with its explanation), bars per integration, trend charts of the daily
 * history (one point per day) and the drill-down list of the work items behind a number.
 */
import {
  isMetricName,
  METRICS,
  type MetricsHistory,
  type MetricUnit,
  type WorkItem,
  WorkItemsBody,
} from '@agiletrack/domain';
import { useEffect, useMemo, useState } from 'react';
import { call, messageOf } from '../app/api.ts';
import { formatDate, formatMetricValue, metricLabel, orderMetrics } from '../app/format.ts';
import { BarChart, type BarSeries } from './BarChart.tsx';
import { TimeChart } from './TimeChart.tsx';

const explanationOf = (name: string) => (isMetricName(name) ? METRICS[name].explanation : '');

/** Headline numbers, each with an explanation; clicking one selects it (for its trend and items). */
export function MetricCards({
  values,
  selected,
  onSelect,
}: {
  values: Readonly<Record<string, number | null>>;
  selected?: string | undefined;
  onSelect?: ((name: string) => void) | undefined;
}) {
  const names = orderMetrics(Object.keys(values)).filter(
    (name) => values[name] !== null && (!isMetricName(name) || METRICS[name].headline),
  );
  if (names.length === 0) return <p className="muted">No metrics yet: run a sync to compute them.</p>;
  return (
    <div className="cards" data-testid="metric-cards">
      {names.map((name) => (
        <button
          type="button"
          className={`card${selected === name ? ' selected' : ''}`}
          key={name}
          data-testid={`metric-card-${name}`}
          title={explanationOf(name)}
          aria-pressed={selected === name}
          onClick={() => onSelect?.(name)}
        >
          <div className="card-value">{formatMetricValue(name, values[name])}</div>
          <div className="card-label">
            {metricLabel(name)}
            {isMetricName(name) && METRICS[name].dora && <span className="badge">DORA</span>}
          </div>
        </button>
      ))}
    </div>
  );
}

/** What a metric means, shown where the metric is shown. */
export function MetricExplanation({ name }: { name: string }) {
  if (!isMetricName(name)) return null;
  const definition = METRICS[name];
  return (
    <div className="explanation" data-testid="metric-explanation" role="note">
      <strong>{definition.label}</strong>
      {definition.dora && ' (a DORA key metric)'}: {definition.explanation}
    </div>
  );
}

/** Bars of every headline metric any series has. */
export function MetricBars({ series }: { series: readonly BarSeries[] }) {
  const names = orderMetrics(
    series.flatMap((s) =>
      Object.entries(s.values ?? {}).flatMap(([name, value]) =>
        value === null || (isMetricName(name) && !METRICS[name].headline) ? [] : [name],
      ),
    ),
  );
  return <BarChart metrics={names} series={series} />;
}

const UNIT_TITLES: Record<MetricUnit, string> = {
  perWeek: 'Rates (per week)',
  hours: 'Durations (hours)',
  ratio: 'Change failure rate (%)',
  count: 'Work in progress',
  points: 'Sprint velocity (points)',
};

/** Trend charts of the daily history: one chart per unit, one point per day. */
export function TrendCharts({ history, selected }: { history: MetricsHistory; selected?: string | undefined }) {
  const { times, groups } = useMemo(() => {
    const times = history.points.map((p) => Date.parse(`${p.day}T12:00:00Z`));
    const present = orderMetrics(history.points.flatMap((p) => Object.keys(p.metrics ?? {}))).filter(
      (name) => isMetricName(name) && METRICS[name].headline,
    );
    const byUnit = new Map<MetricUnit, string[]>();
    for (const name of present) {
      if (!isMetricName(name)) continue;
      const unit = METRICS[name].unit;
      byUnit.set(unit, [...(byUnit.get(unit) ?? []), name]);
    }
    const groups = [...byUnit].map(([unit, names]) => ({
      unit,
      series: names.map((name) => ({
        label: metricLabel(name),
        values: history.points.map((p) => {
          const value = p.metrics?.[name] ?? null;
          return value === null ? null : unit === 'ratio' ? value * 100 : value;
        }),
      })),
    }));
    return { times, groups };
  }, [history]);
  if (history.points.length === 0) return <p className="muted">No history yet.</p>;
  return (
    <div data-testid="trend-charts" data-points={history.points.length} data-from={history.from} data-to={history.to}>
      <div className="grid two">
        {groups
          .filter((g) => selected === undefined || !isMetricName(selected) || g.unit === METRICS[selected].unit)
          .map((group) => (
            <div key={group.unit} data-testid={`trend-${group.unit}`}>
              <div className="chart-title">{UNIT_TITLES[group.unit]}</div>
              <TimeChart times={times} series={group.series} height={180} />
            </div>
          ))}
      </div>
      <p className="muted small">
        {history.points.length} daily points, {history.from} to {history.to}: each is the {history.windowDays}-day
        window ending that day.
      </p>
    </div>
  );
}

/** The work items behind a team's metric over the window ending now, linked to their source. */
export function WorkItemsList({ teamId, metric, windowDays }: { teamId: number; metric: string; windowDays: number }) {
  const [items, setItems] = useState<WorkItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);

  const load = async (after: string | null, replace: boolean) => {
    setLoading(true);
    const from = new Date(Date.now() - windowDays * 86_400_000).toISOString();
    try {
      const page = await call('metrics.workItems', {
        params: { teamId },
        query: { metric, from, limit: 25, ...(after && { cursor: after }) },
      });
      setItems((old) => (replace ? page.workItems : [...old, ...page.workItems]));
      setCursor(page.nextCursor);
      setError(undefined);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the metric, team or window changes.
  useEffect(() => {
    void load(null, true);
  }, [teamId, metric, windowDays]);

  return (
    <div data-testid="work-items">
      <h3>
        Behind “{metricLabel(metric)}” (last {windowDays} days)
      </h3>
      {error !== undefined && <p className="error">{error}</p>}
      {!loading && items.length === 0 && error === undefined && <p className="muted">Nothing in this window.</p>}
      {items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Item</th>
              <th>State</th>
              <th>Opened</th>
              <th>Finished</th>
              <th className="right">Took</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={`${item.integrationId}:${item.kind}:${item.externalId}`} data-testid="work-item">
                <td>
                  {item.url ? (
                    <a href={item.url} target="_blank" rel="noreferrer noopener">
                      {item.kind === 'issue' ? item.externalId : `#${item.externalId}`} {item.title}
                    </a>
                  ) : (
                    `${item.externalId} ${item.title}`
                  )}
                </td>
                <td>
                  {item.state}
                  {item.failure === 'incident' && ' (incident followed)'}
                </td>
                <td>{formatDate(item.createdAt)}</td>
                <td>{formatDate(item.finishedAt)}</td>
                <td className="right">{item.hours === null ? '—' : formatMetricValue('leadTimeHours', item.hours)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor !== null && (
        <button type="button" disabled={loading} onClick={() => void load(cursor, false)}>
          More
        </button>
      )}
    </div>
  );
}
