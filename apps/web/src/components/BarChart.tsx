/** Horizontal bars: one group per metric, one bar per series (e.g. per integration). */
import { formatMetricValue, metricLabel } from '../app/format.ts';

/** One series of values by metric name. */
export interface BarSeries {
  readonly label: string;
  readonly values: Readonly<Record<string, number | null>> | null;
}

/** Colours of the series, in order (also used by the time charts). */
export const SERIES_COLORS = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#dc2626', '#0891b2'];

/** See the file comment. More series than colours: each bar is named, since colours repeat. */
export function BarChart({ metrics, series }: { metrics: readonly string[]; series: readonly BarSeries[] }) {
  if (metrics.length === 0) return <p className="muted">No metrics yet: run a sync to compute them.</p>;
  const named = series.length > SERIES_COLORS.length;
  return (
    <div className="bars">
      {!named && (
        <div className="legend">
          {series.map((s, i) => (
            <span key={s.label}>
              <span className="swatch" style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }} /> {s.label}
            </span>
          ))}
        </div>
      )}
      {metrics.map((metric) => {
        const max = Math.max(0, ...series.map((s) => s.values?.[metric] ?? 0));
        return (
          <div className="bar-group" key={metric}>
            <div className="bar-label">{metricLabel(metric)}</div>
            {series.map((s, i) => {
              const value = s.values?.[metric] ?? null;
              const width = value === null || max === 0 ? 0 : Math.max(1, (value / max) * 100);
              return (
                <div className="bar-row" key={s.label} title={`${s.label}: ${formatMetricValue(metric, value)}`}>
                  <span className={named ? 'bar-name' : 'visually-hidden'}>{s.label}: </span>
                  <div className="bar-track" aria-hidden="true">
                    <div
                      className="bar"
                      style={{ width: `${width}%`, background: SERIES_COLORS[i % SERIES_COLORS.length] }}
                    />
                  </div>
                  <span className="bar-value">{formatMetricValue(metric, value)}</span>
                </div>
              );
            })}
          </div>
        );
      })}
    </div>
  );
}
