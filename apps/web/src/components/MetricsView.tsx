/**
 * Metric cards (each with its explanation), bars per integration, trend charts of the daily
 * history (one point per day) and the drill-down list of the work items behind a number.
 */
import {
  isMetricName,
  METRICS,
  type MetricsHistory,
  type MetricUnit,
  routeUrl,
  STATISTIC_LABELS,
  type WorkItem,
  type WorkItemsPage,
} from '@agiletrack/domain';
import { useEffect, useMemo, useState } from 'react';
import { call, messageOf } from '../app/api.ts';
import { formatDate, formatMetricValue, metricLabel, orderMetrics } from '../app/format.ts';
import { BarChart, type BarSeries } from './BarChart.tsx';
import { Change, DoraBandBadge } from './Dora.tsx';
import { TimeChart } from './TimeChart.tsx';

const explanationOf = (name: string) => (isMetricName(name) ? METRICS[name].explanation : '');

/** Headline numbers, each with an explanation; clicking one selects it (for its trend and items). */
export function MetricCards({
  values,
  previous,
  windowDays,
  selected,
  onSelect,
}: {
  values: Readonly<Record<string, number | null>>;
  /** The same numbers over the window before (for the change); omitted where not known. */
  previous?: Readonly<Record<string, number | null>> | null | undefined;
  windowDays?: number | undefined;
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
          <div className="card-value" data-testid="card-value" data-value={values[name] ?? ''}>
            {formatMetricValue(name, values[name])}
            <DoraBandBadge name={name} value={values[name]} />
          </div>
          <div className="card-label">
            {metricLabel(name)}
            {isMetricName(name) && METRICS[name].dora && <span className="badge">DORA</span>}
          </div>
          {previous && windowDays !== undefined && (
            <Change name={name} value={values[name]} previous={previous[name]} windowDays={windowDays} />
          )}
          {isMetricName(name) && (
            <div className="card-stat muted small" data-testid="card-statistic">
              {STATISTIC_LABELS[METRICS[name].statistic]}
            </div>
          )}
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
  lines: 'PR size (lines changed)',
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
  const incomplete = history.points.filter((p) => p.incomplete);
  const firstComplete = history.points.find((p) => !p.incomplete)?.day;
  return (
    <div
      data-testid="trend-charts"
      data-points={history.points.length}
      data-from={history.from}
      data-to={history.to}
      data-window={history.windowDays}
    >
      <div className="grid two">
        {groups
          .filter((g) => selected === undefined || !isMetricName(selected) || g.unit === METRICS[selected].unit)
          .map((group) => (
            <div key={group.unit} data-testid={`trend-${group.unit}`}>
              <div className="chart-title">
                {UNIT_TITLES[group.unit]}
                {group.unit === 'hours' && <span className="muted small"> · log scale</span>}
              </div>
              <TimeChart times={times} series={group.series} height={180} log={group.unit === 'hours'} />
            </div>
          ))}
      </div>
      <p className="muted small">
        {history.points.length} daily points, {history.from} to {history.to}: each is the {history.windowDays}-day
        window ending that day.
      </p>
      {incomplete.length > 0 && (
        <p className="muted small" data-testid="history-incomplete" data-days={incomplete.length}>
          History incomplete for {incomplete.length} {incomplete.length === 1 ? 'day' : 'days'}
          {firstComplete ? ` (before ${firstComplete})` : ''}: their {history.windowDays}-day window reaches before the
          first synced data, so no value is drawn.
        </p>
      )}
    </div>
  );
}

/** What one item contributes, in the metric's terms. */
function contribution(metric: string, item: WorkItem): string {
  if (!isMetricName(metric)) return String(item.value);
  const { unit, statistic } = METRICS[metric];
  if (statistic === 'ratio') return item.value === 1 ? 'failed' : 'ok';
  if (unit === 'hours' || unit === 'points' || unit === 'lines') return formatMetricValue(metric, item.value);
  return String(item.value);
}

/** How a listed item is named: a deployment by its id and short commit, not a 40-character SHA. */
function itemName(item: WorkItem): string {
  if (item.kind === 'deployment')
    return `Deployment ${item.externalId}${item.title ? ` (${item.title.slice(0, 7)})` : ''}`;
  return `${item.kind === 'issue' ? item.externalId : `#${item.externalId}`} ${item.title}`;
}

/** More about an item: the deployment that shipped it, the incident that followed, its sprint. */
function detailOf(item: WorkItem): string {
  if (item.shippedBy !== null) return `shipped by deployment ${item.shippedBy}`;
  if (item.incident !== null) return `incident ${item.incident} followed`;
  if (item.failure === 'failed') return 'deployment failed';
  if (item.sprint !== null) return `sprint ${item.sprint}`;
  return '';
}

/** The number behind the list, recomputed from it: `6.2 d = median of 8 items`. */
function ListSummary({ metric, page }: { metric: string; page: WorkItemsPage }) {
  const statistic = STATISTIC_LABELS[page.statistic];
  const items = `${page.count} ${page.count === 1 ? 'item' : 'items'}`;
  const how =
    page.statistic === 'ratePerWeek'
      ? `${items} ÷ ${(page.windowDays / 7).toFixed(page.windowDays % 7 === 0 ? 0 : 2)} weeks`
      : page.statistic === 'ratio'
        ? `${page.sum} counted ÷ ${items}`
        : `${statistic} of ${items}`;
  return (
    <p className="muted" data-testid="drill-summary" data-value={page.value ?? ''} data-count={page.count}>
      <strong data-testid="drill-value">{formatMetricValue(metric, page.value)}</strong> = {how}, from{' '}
      {formatDate(page.from)} to {formatDate(page.to)}
    </p>
  );
}

/** The work items behind a team's number for a window: exactly the items it was computed from. */
export function WorkItemsList({ teamId, metric, windowDays }: { teamId: number; metric: string; windowDays: number }) {
  const [items, setItems] = useState<WorkItem[]>([]);
  const [first, setFirst] = useState<WorkItemsPage | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);

  const load = async (after: string | null, replace: boolean) => {
    setLoading(true);
    try {
      const page = await call('metrics.workItems', {
        params: { teamId },
        query: { metric, windowDays, limit: 25, ...(after && { cursor: after }) },
      });
      setItems((old) => (replace ? page.workItems : [...old, ...page.workItems]));
      if (replace) setFirst(page);
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
      {first !== undefined && <ListSummary metric={metric} page={first} />}
      {first !== undefined && first.count > 0 && (
        <p className="small">
          <a
            data-testid="drill-csv"
            download
            href={routeUrl('metrics.workItemsCsv', { params: { teamId }, query: { metric, windowDays } })}
          >
            Download the {first.count} items as CSV
          </a>
        </p>
      )}
      {error !== undefined && <p className="error">{error}</p>}
      {!loading && items.length === 0 && error === undefined && <p className="muted">Nothing in this window.</p>}
      {items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Item</th>
              <th>State</th>
              <th>Counted at</th>
              <th>Detail</th>
              <th className="right">Contributes</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr
                key={`${item.integrationId}:${item.kind}:${item.externalId}`}
                data-testid="work-item"
                data-value={item.value}
              >
                <td>
                  {item.url ? (
                    <a href={item.url} target="_blank" rel="noreferrer noopener">
                      {itemName(item)}
                    </a>
                  ) : (
                    itemName(item)
                  )}
                </td>
                <td>{item.state}</td>
                <td>{formatDate(item.at)}</td>
                <td>{detailOf(item)}</td>
                <td className="right">{contribution(metric, item)}</td>
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
