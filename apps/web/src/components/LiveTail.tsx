/**
 * The live tail of cache operations (admins): every instance's operations as they happen, from
 * the server's cache monitor stream, with filters by family and outcome and a pause that keeps the
 * stream open but freezes the list. The newest rows are on top; a few hundred are kept.
 */
import {
  CACHE_FAMILIES,
  CACHE_OUTCOMES,
  type CacheFamily,
  type CacheOp,
  type CacheOutcome,
  MonitorStream,
  routeUrl,
} from '@agiletrack/domain';
import { useEffect, useRef, useState } from 'react';
import { listen } from '../app/streams.ts';

const KEEP = 300;
let received = 0;

/** See the file comment. */
export function LiveTail() {
  const [family, setFamily] = useState<CacheFamily | ''>('');
  const [outcome, setOutcome] = useState<CacheOutcome | ''>('');
  const [paused, setPaused] = useState(false);
  const [rows, setRows] = useState<readonly { seq: number; op: CacheOp }[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    const source = new EventSource(
      routeUrl('cache.monitor', { query: { family: family || undefined, outcome: outcome || undefined } }),
    );
    setRows([]);
    setState('connecting');
    listen(
      source,
      MonitorStream,
      {
        ready: () => setState('live'),
        op: (op) => {
          if (!pausedRef.current) setRows((current) => [{ seq: ++received, op }, ...current].slice(0, KEEP));
        },
      },
      () => setState('reconnecting'),
    );
    return () => source.close();
  }, [family, outcome]);

  return (
    <div className="panel" data-testid="live-tail">
      <h2>Live operations</h2>
      <div className="toolbar">
        <label>
          Family{' '}
          <select
            value={family}
            onChange={(event) => setFamily(event.target.value as CacheFamily | '')}
            aria-label="Family"
          >
            <option value="">all</option>
            {CACHE_FAMILIES.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>{' '}
        <label>
          Outcome{' '}
          <select
            value={outcome}
            onChange={(event) => setOutcome(event.target.value as CacheOutcome | '')}
            aria-label="Outcome"
          >
            <option value="">all</option>
            {CACHE_OUTCOMES.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>{' '}
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>{' '}
        <span className="muted small" data-testid="tail-state">
          {paused ? 'paused' : state}
        </span>
      </div>
      {rows.length === 0 ? (
        <p className="muted">No operations yet: use the dashboard in another tab.</p>
      ) : (
        <div className="table-scroll">
          <table className="tail">
            <thead>
              <tr>
                <th>Time</th>
                <th>Instance</th>
                <th>Family</th>
                <th>Outcome</th>
                <th>Tier</th>
                <th>ms</th>
                <th>Key</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ seq, op }) => (
                <tr key={seq} className={`outcome-${op.outcome}`}>
                  <td>{new Date(op.at).toLocaleTimeString()}</td>
                  <td>
                    <code>{op.instance.slice(0, 8)}</code>
                  </td>
                  <td>{op.family}</td>
                  <td>{op.outcome}</td>
                  <td>{op.tier}</td>
                  <td>{op.ms.toFixed(2)}</td>
                  <td>
                    <code>{op.key}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
