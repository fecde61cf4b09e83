/**
 * Where a pull request's time goes: coding, pickup, review and deploy medians stacked in one bar
 * (each with its p85), and the distribution of PR sizes from the list behind the size number.
 * Choosing a phase selects its metric (its trend and its drill-down).
 */
import type { MetricName, WorkItem, WorkItemsPage } from '@agiletrack/domain';
import { useEffect, useState } from 'react';
import { call, messageOf } from '../app/api.ts';
import { formatMetricValue } from '../app/format.ts';
import { SERIES_COLORS } from './BarChart.tsx';

const PHASES: readonly { label: string; median: MetricName; p85: MetricName }[] = [
  { label: 'Coding', median: 'cycleCodingHours', p85: 'cycleCodingP85Hours' },
  { label: 'Pickup', median: 'cyclePickupHours', p85: 'cyclePickupP85Hours' },
  { label: 'Review', median: 'cycleReviewHours', p85: 'cycleReviewP85Hours' },
  { label: 'Deploy', median: 'cycleDeployHours', p85: 'cycleDeployP85Hours' },
];

/** Size buckets (lines changed), upper bounds. */
const BUCKETS = [50, 200, 500, 1000, Number.POSITIVE_INFINITY] as const;
const bucketLabel = (i: number) =>
  i === 0
    ? `< ${BUCKETS[0]}`
    : BUCKETS[i] === Number.POSITIVE_INFINITY
      ? `≥ ${BUCKETS[i - 1]}`
      : `${BUCKETS[i - 1]}–${BUCKETS[i]}`;

/** See the file comment. */
export function CycleBreakdown({
  values,
  teamId,
  windowDays,
  onSelect,
}: {
  values: Readonly<Record<string, number | null>>;
  teamId: number;
  windowDays: number;
  onSelect: (name: string) => void;
}) {
  if (!PHASES.some((p) => p.median in values)) return null;
  const medians = PHASES.map((p) => Math.max(0, values[p.median] ?? 0));
  const total = medians.reduce((a, b) => a + b, 0);
  return (
    <div className="panel-inner" data-testid="cycle-breakdown">
      <h3>PR cycle time, broken down (medians over {windowDays} days)</h3>
      {total === 0 ? (
        <p className="muted">No merged pull requests in this window.</p>
      ) : (
        <div className="breakdown" role="img" aria-label="Median time per phase">
          {PHASES.map((phase, i) => (
            <span
              key={phase.median}
              style={{ width: `${(medians[i]! / total) * 100}%`, background: SERIES_COLORS[i] }}
              title={`${phase.label}: ${formatMetricValue(phase.median, values[phase.median])}`}
            >
              {medians[i]! / total > 0.12 ? phase.label : ''}
            </span>
          ))}
        </div>
      )}
      <table className="table compact">
        <thead>
          <tr>
            <th>Phase</th>
            <th className="num">Median</th>
            <th className="num">p85</th>
          </tr>
        </thead>
        <tbody>
          {PHASES.map((phase, i) => (
            <tr key={phase.median} data-testid={`phase-${phase.label.toLowerCase()}`}>
              <td>
                <span className="swatch" style={{ background: SERIES_COLORS[i] }} />{' '}
                <button type="button" className="link" onClick={() => onSelect(phase.median)}>
                  {phase.label}
                </button>
              </td>
              <td className="num">{formatMetricValue(phase.median, values[phase.median])}</td>
              <td className="num">{formatMetricValue(phase.p85, values[phase.p85])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <SizeDistribution teamId={teamId} windowDays={windowDays} />
    </div>
  );
}

/** How many merged pull requests fall in each size bucket (from the PR size drill-down list). */
function SizeDistribution({ teamId, windowDays }: { teamId: number; windowDays: number }) {
  const [items, setItems] = useState<WorkItem[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let current = true;
    const load = async () => {
      const all: WorkItem[] = [];
      let cursor: string | null = null;
      // At most five pages: a distribution does not need more than a thousand pull requests.
      for (let page = 0; page < 5; page++) {
        const body: WorkItemsPage = await call('metrics.workItems', {
          params: { teamId },
          query: { metric: 'prSizeLines', windowDays, limit: 200, ...(cursor && { cursor }) },
        });
        all.push(...body.workItems);
        cursor = body.nextCursor;
        if (cursor === null) break;
      }
      return all;
    };
    load().then(
      (list) => current && setItems(list),
      (failure) => current && setError(messageOf(failure)),
    );
    return () => {
      current = false;
    };
  }, [teamId, windowDays]);
  if (error !== undefined) return <p className="error">{error}</p>;
  if (items === undefined || items.length === 0) return null;
  const counts = BUCKETS.map(() => 0);
  for (const item of items) counts[BUCKETS.findIndex((bound) => item.value < bound)]!++;
  const max = Math.max(...counts);
  return (
    <div data-testid="pr-sizes">
      <div className="chart-title">PR size (lines changed) of {items.length} merged pull requests</div>
      <div className="size-bars">
        {counts.map((n, i) => (
          <div className="bar-row" key={bucketLabel(i)}>
            <span className="bar-name">{bucketLabel(i)} lines</span>
            <span className="bar-track">
              <span
                className="bar"
                style={{ display: 'block', width: `${max === 0 ? 0 : (n / max) * 100}%`, background: SERIES_COLORS[0] }}
              />
            </span>
            <span className="bar-value">{n}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
