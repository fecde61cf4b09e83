/**
 * Cache analytics per key family (admins): hit rate, loads and load time, stale serves and what
 * each tier holds, over the last minute, hour or day, merged across the server's instances.
 * Refreshed every 10 s.
 */
import type { FamiliesReport } from '@agiletrack/domain';
import { useEffect, useState } from 'react';
import { call } from '../app/api.ts';
import { formatBytes, formatPercent } from '../app/format.ts';
import { BarChart } from '../components/BarChart.tsx';
import { LoadError } from '../components/States.tsx';

const REFRESH_MS = 10_000;
type Window = 'minute' | 'hour' | 'day';

/** See the file comment. */
export function CacheAnalyticsPage({ isAdmin }: { isAdmin: boolean }) {
  const [report, setReport] = useState<FamiliesReport | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [window, setWindow] = useState<Window>('hour');

  useEffect(() => {
    if (!isAdmin) return;
    let active = true;
    const load = async () => {
      try {
        const next = await call('cache.families');
        if (active) {
          setReport(next);
          setError(undefined);
        }
      } catch (failure) {
        if (active) setError(failure);
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [isAdmin]);

  if (!isAdmin) {
    return (
      <section>
        <h1>Cache analytics</h1>
        <p>This page needs the admin role.</p>
      </section>
    );
  }
  const active = (report?.families ?? []).filter((f) => {
    const w = f.windows[window];
    return w.hits + w.misses + w.loads > 0 || Object.values(f.tiers).some((t) => t.entries > 0);
  });
  const tierNames = [...new Set(active.flatMap((f) => Object.keys(f.tiers)))];

  return (
    <section>
      <h1>Cache analytics</h1>
      <p className="muted small">
        Per key family, merged across {report?.instances.length ?? '…'} instance(s); refreshed every {REFRESH_MS / 1000}{' '}
        s.
      </p>
      <fieldset className="toolbar">
        <legend className="visually-hidden">Window</legend>
        {(['minute', 'hour', 'day'] as const).map((w) => (
          <button key={w} type="button" aria-pressed={window === w} onClick={() => setWindow(w)}>
            Last {w}
          </button>
        ))}
      </fieldset>
      {error !== undefined && <LoadError error={error} what="cache analytics" />}
      {report && active.length === 0 && <p className="muted">No cache activity in this window yet.</p>}
      {active.length > 0 && (
        <>
          <div className="panel">
            <h2>Hit rate and loads</h2>
            <BarChart
              metrics={['hitRate', 'meanLoadMs']}
              series={active.map((f) => ({
                label: f.family,
                values: { hitRate: f.windows[window].hitRate * 100, meanLoadMs: f.windows[window].meanLoadMs },
              }))}
            />
          </div>
          <div className="panel table-scroll">
            <table className="table" data-testid="families">
              <thead>
                <tr>
                  <th scope="col">Family</th>
                  {['Hit rate', 'Hits', 'Misses', 'Stale serves', 'Loads', 'Mean load', 'Errors'].map((name) => (
                    <th key={name} scope="col" className="num">
                      {name}
                    </th>
                  ))}
                  {tierNames.map((tier) => (
                    <th key={tier} scope="col" className="num">
                      {tier} entries / bytes
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {active.map((f) => {
                  const w = f.windows[window];
                  return (
                    <tr key={f.family}>
                      <td>{f.family}</td>
                      <td className="num">{formatPercent(w.hitRate)}</td>
                      <td className="num">{w.hits}</td>
                      <td className="num">{w.misses}</td>
                      <td className="num">{w.staleServes}</td>
                      <td className="num">{w.loads}</td>
                      <td className="num">{w.meanLoadMs.toFixed(1)} ms</td>
                      <td className="num">{w.errors + w.loadErrors}</td>
                      {tierNames.map((tier) => (
                        <td key={tier} className="num">
                          {f.tiers[tier]?.entries ?? 0} / {f.tiers[tier]?.estimated ? '≈ ' : ''}
                          {formatBytes(f.tiers[tier]?.bytes ?? undefined)}
                          {f.tiers[tier]?.estimated && (
                            <span className="muted small" title="sampled sizes × entries: an estimate">
                              {' '}
                              (estimate)
                            </span>
                          )}
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
