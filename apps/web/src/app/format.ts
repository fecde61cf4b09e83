/** How numbers, sizes and times are shown. */

/** `1.2 KiB`, `3.4 MiB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `87.5 %` from a ratio. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(1)} %`;
}

/** `0.12 ms` with sensible precision. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return `${ms < 1 ? ms.toFixed(2) : ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** A metric value: up to two decimals, `—` when missing. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}

/** A date as the viewer's locale shows it, or `—`. */
export function formatDate(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString();
}

/** `5 min ago`, `2 h ago`, `3 d ago`. */
export function formatAgo(value: string | number | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined) return 'never';
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) return '—';
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

const METRIC_LABELS: Record<string, string> = {
  throughputPerWeek: 'Throughput / week',
  deploymentsPerWeek: 'Deployments / week',
  sprintVelocity: 'Sprint velocity',
  workInProgress: 'Work in progress',
  cycleTimeHours: 'Cycle time (h)',
  leadTimeHours: 'Lead time (h)',
  prMergeTimeHours: 'PR merge time (h)',
  reviewTurnaroundHours: 'Review turnaround (h)',
};

/** The display name of a metric. */
export function metricLabel(name: string): string {
  const known = METRIC_LABELS[name];
  if (known) return known;
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Metrics in a stable, meaningful order: known ones first. */
export function orderMetrics(names: Iterable<string>): string[] {
  const known = Object.keys(METRIC_LABELS);
  return [...new Set(names)].sort((a, b) => {
    const ia = known.indexOf(a);
    const ib = known.indexOf(b);
    return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib) || a.localeCompare(b);
  });
}
