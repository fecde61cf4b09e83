/**
 * DORA performance bands (thresholds and their source in @agiletrack/domain) and the change of a
 * number against the previous period of equal length.
 */
import { DORA_SOURCE, DORA_THRESHOLDS, doraBand, isDoraKey, isMetricName, METRICS } from '@agiletrack/domain';
import { formatMetricValue } from '../app/format.ts';

/** The band of a DORA key's value, with the report's words for it; nothing for other metrics. */
export function DoraBandBadge({ name, value }: { name: string; value: number | null | undefined }) {
  if (!isDoraKey(name)) return null;
  const band = doraBand(name, value);
  if (band === null) return null;
  return (
    <span
      className={`band band-${band}`}
      data-testid={`band-${name}`}
      data-band={band}
      title={`${band}: ${DORA_THRESHOLDS[name].words[band]} (${DORA_SOURCE.title})`}
    >
      {band}
    </span>
  );
}

/** `▲ 12 % vs previous 28 d` (green when better, red when worse); nothing without both numbers. */
export function Change({
  name,
  value,
  previous,
  windowDays,
}: {
  name: string;
  value: number | null | undefined;
  previous: number | null | undefined;
  windowDays: number;
}) {
  if (value === null || value === undefined || previous === null || previous === undefined) return null;
  const delta = value - previous;
  // More is better for rates and velocity; less for durations, failure rates, sizes and work in progress.
  const lowerIsBetter = isMetricName(name) && !['perWeek', 'points'].includes(METRICS[name].unit);
  const better = delta === 0 ? 'same' : delta < 0 === lowerIsBetter ? 'better' : 'worse';
  const relative = previous === 0 ? null : Math.round((delta / Math.abs(previous)) * 100);
  return (
    <span
      className={`change change-${better}`}
      data-testid={`change-${name}`}
      title={`previous ${windowDays} days: ${formatMetricValue(name, previous)}`}
    >
      {delta === 0 ? '=' : delta > 0 ? '▲' : '▼'}
      {relative === null ? ` from ${formatMetricValue(name, previous)}` : ` ${Math.abs(relative)} %`} vs previous{' '}
      {windowDays} d
    </span>
  );
}

/** The source of the bands, once per page that shows them. */
export function DoraSource() {
  return (
    <p className="muted small" data-testid="dora-source">
      DORA bands (elite, high, medium, low) per the{' '}
      <a href={DORA_SOURCE.url} target="_blank" rel="noreferrer noopener">
        {DORA_SOURCE.title}
      </a>
      .
    </p>
  );
}
