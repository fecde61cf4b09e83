/** A time line drawn with uPlot: x in epoch ms, one line per series; `null` leaves a gap. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { SERIES_COLORS } from './BarChart.tsx';

/** One line. */
export interface TimeSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

interface Props {
  /** Epoch milliseconds, ascending. */
  readonly times: readonly number[];
  readonly series: readonly TimeSeries[];
  readonly height?: number;
  /** Formats the y axis values. */
  readonly format?: (value: number) => string;
  /** Fixed y range, e.g. `[0, 1]` for rates. */
  readonly range?: readonly [number, number];
  /** A logarithmic y axis (durations: 5 h and 300 h both legible); values ≤ 0 are not drawn. */
  readonly log?: boolean;
}

/** See the file comment. */
export function TimeChart({ times, series, height = 200, format, range, log = false }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const labels = series.map((s) => s.label).join('\u0000');

  // The chart is rebuilt when the set of series changes, and only fed data otherwise.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `labels` stands for the series list; data goes through setData below.
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // One point alone would get a range of years; show an hour either side of it instead.
        x: {
          time: true,
          range: (u, min, max) => {
            const xs = u.data[0];
            const first = xs[0];
            return first !== undefined && first === xs[xs.length - 1] ? [first - 3600, first + 3600] : [min, max];
          },
        },
        ...(range && { y: { range: [range[0], range[1]] } }),
        ...(log && { y: { distr: 3, log: 10 } }),
      },
      axes: [{}, { size: 60, ...(format && { values: (_u: uPlot, ticks: number[]) => ticks.map(format) }) }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: SERIES_COLORS[i % SERIES_COLORS.length],
          width: 2,
          points: { show: true, size: 5 },
          spanGaps: false,
          ...(format && { value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)) }),
        })),
      ],
    };
    const plot = new uPlot(options, toData(times, series, log), element);
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, element.clientWidth), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [labels, height, log]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `log` is fixed per chart (it rebuilds above).
  useEffect(() => {
    chart.current?.setData(toData(times, series, log));
  }, [times, series]);

  // The canvas says nothing to a screen reader: the figure carries the same numbers as text.
  return (
    <figure className="chart-figure">
      <div className="time-chart" ref={box} aria-hidden="true" />
      <figcaption className="visually-hidden">{describeSeries(times, series, format)}</figcaption>
    </figure>
  );
}

/** A text alternative: per series, the latest value and the range over the period shown. */
export function describeSeries(
  times: readonly number[],
  series: readonly TimeSeries[],
  format: (value: number) => string = (v) => String(Math.round(v * 100) / 100),
): string {
  if (times.length === 0) return 'No data yet.';
  const span = `${new Date(times[0]!).toLocaleString()} to ${new Date(times[times.length - 1]!).toLocaleString()}`;
  const parts = series.map((s) => {
    const values = s.values.filter((v): v is number => v !== null);
    if (values.length === 0) return `${s.label}: no values`;
    return `${s.label}: latest ${format(values[values.length - 1]!)}, lowest ${format(Math.min(...values))}, highest ${format(Math.max(...values))}`;
  });
  return `${times.length} points from ${span}. ${parts.join('; ')}.`;
}

function toData(times: readonly number[], series: readonly TimeSeries[], log = false): uPlot.AlignedData {
  const drawn = (v: number | null) => (v === null || (log && v <= 0) ? null : v);
  return [times.map((t) => t / 1000), ...series.map((s) => s.values.map(drawn))] as uPlot.AlignedData;
}
