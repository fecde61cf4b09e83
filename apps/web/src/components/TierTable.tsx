/** Per-tier cache statistics as a table (the server's tiers and the browser's alike). */
import type { TierStats } from '@agiletrack/domain';
import { formatBytes, formatMs, formatPercent } from '../app/format.ts';

/** What the table shows of a tier: the server's (the API's shape) or the browser's own (the library's report). */
export type TierRow = Pick<
  TierStats,
  | 'name'
  | 'hits'
  | 'misses'
  | 'staleHits'
  | 'hitRate'
  | 'errors'
  | 'timeouts'
  | 'entries'
  | 'bytes'
  | 'evictions'
  | 'breaker'
  | 'timings'
>;

/** See the file comment. `label` renames tiers for people (`memory` → `L1 memory`). */
export function TierTable({
  tiers,
  label = (name) => name,
}: {
  tiers: readonly TierRow[];
  label?: (name: string) => string;
}) {
  return (
    <table className="table tiers">
      <thead>
        <tr>
          <th>Tier</th>
          <th className="num">Hit rate</th>
          <th className="num">Hits</th>
          <th className="num">Misses</th>
          <th className="num">Stale</th>
          <th className="num">Entries</th>
          <th className="num">Bytes</th>
          <th className="num">get p50 / p99</th>
          <th className="num">set p50 / p99</th>
          <th className="num">Errors</th>
          <th className="num">Evictions</th>
          <th>Breaker</th>
        </tr>
      </thead>
      <tbody>
        {tiers.map((tier) => (
          <tr key={tier.name} data-tier={tier.name}>
            <td>{label(tier.name)}</td>
            <td className="num">{formatPercent(tier.hitRate)}</td>
            <td className="num">{tier.hits}</td>
            <td className="num">{tier.misses}</td>
            <td className="num">{tier.staleHits}</td>
            <td className="num">{tier.entries}</td>
            <td className="num">{formatBytes(tier.bytes)}</td>
            <td className="num">
              {formatMs(tier.timings.get?.p50Ms)} / {formatMs(tier.timings.get?.p99Ms)}
            </td>
            <td className="num">
              {formatMs(tier.timings.set?.p50Ms)} / {formatMs(tier.timings.set?.p99Ms)}
            </td>
            <td className={`num${tier.errors + tier.timeouts > 0 ? ' bad' : ''}`}>
              {tier.errors}
              {tier.timeouts > 0 ? ` (+${tier.timeouts} timeouts)` : ''}
            </td>
            <td className="num">{tier.evictions}</td>
            <td>
              <span className={`breaker ${tier.breaker}`}>{tier.breaker}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The server's tier names as the API names them. */
export function serverTierLabel(name: string): string {
  if (name === 'memory') return 'L1 memory';
  if (name === 'redis' || name === 'redis-cluster') return `L2 ${name}`;
  if (name === 'postgres') return 'L2 postgres table';
  return name;
}
