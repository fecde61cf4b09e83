/**
 * The cache monitor: hit rate over time per tier (server and browser), entries, bytes and
 * timings, the browser's storage use against its quota, and alerts. Polls every few seconds.
 */

import type { StorageEstimateReport } from '@agiletrack/cache/tiers/web-storage';
import type { ServerCacheStats } from '@agiletrack/domain';
import { useEffect, useState } from 'react';
import { fetchServerStats } from '../app/admin.ts';
import { type BrowserCacheStats, browserCacheStats, storageEstimate } from '../app/browser-cache.ts';
import { formatBytes, formatPercent } from '../app/format.ts';
import { liveEvents } from '../app/live.ts';
import {
  alertsOf,
  browserTiers,
  currentSamples,
  hitRateSeries,
  MONITOR_POLL_MS,
  recordSample,
  type Sample,
} from '../app/monitor.ts';
import { useStore } from '../app/store.ts';
import { Link } from '../components/Link.tsx';
import { LiveTail } from '../components/LiveTail.tsx';
import { LoadError } from '../components/States.tsx';
import { serverTierLabel, TierTable } from '../components/TierTable.tsx';
import { TimeChart } from '../components/TimeChart.tsx';

// Browsers give each origin about 5 MiB of localStorage (counted as UTF-16, 2 bytes a character).
const LOCAL_STORAGE_NOMINAL_BYTES = 5 * 1024 * 1024;

const percentAxis = (value: number) => `${Math.round(value * 100)} %`;

function Meter({ used, total, label }: { used: number | undefined; total: number | undefined; label: string }) {
  const ratio = used !== undefined && total ? Math.min(1, used / total) : undefined;
  return (
    <div className="meter-row">
      <span className="meter-label">{label}</span>
      <meter min={0} max={1} value={ratio ?? 0} aria-label={label} />
      <span className="meter-text">
        {formatBytes(used)} of {formatBytes(total)}
        {ratio !== undefined ? ` (${formatPercent(ratio)})` : ''}
      </span>
    </div>
  );
}

/** See the file comment. */
export function CacheMonitorPage({ isAdmin }: { isAdmin: boolean }) {
  const [samples, setSamples] = useState<readonly Sample[]>(currentSamples);
  const [browser, setBrowser] = useState<BrowserCacheStats>(browserCacheStats);
  const [server, setServer] = useState<ServerCacheStats | undefined>(undefined);
  const [serverError, setServerError] = useState<unknown>(undefined);
  const [estimate, setEstimate] = useState<StorageEstimateReport | undefined>(undefined);
  const events = useStore(liveEvents);

  useEffect(() => {
    let active = true;
    const poll = async () => {
      let serverStats: ServerCacheStats | undefined;
      if (isAdmin) {
        try {
          serverStats = await fetchServerStats();
          if (active) setServerError(undefined);
        } catch (error) {
          if (active) setServerError(error);
        }
      }
      const usage = await storageEstimate();
      if (!active) return;
      const browserStats = browserCacheStats();
      setBrowser(browserStats);
      setServer(serverStats);
      setEstimate(usage);
      setSamples(recordSample(Date.now(), browserStats, serverStats));
    };
    void poll();
    const timer = setInterval(() => void poll(), MONITOR_POLL_MS);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [isAdmin]);

  const alerts = alertsOf(samples);
  const serverRates = hitRateSeries(samples, 'server');
  const browserRates = hitRateSeries(samples, 'browser');
  const local = browser.localStorage;

  return (
    <section>
      <h1>Cache monitor</h1>
      <p className="muted small">
        Polled every {MONITOR_POLL_MS / 1000} s; {samples.length} samples this session. Hit rates are per interval.
      </p>

      <div className="panel" data-testid="alerts">
        <h2>Alerts</h2>
        {alerts.length === 0 ? (
          <p className="ok-text">All tiers healthy.</p>
        ) : (
          <ul className="alerts">
            {alerts.map((alert) => (
              <li key={alert.text} className={alert.level}>
                {alert.text}
              </li>
            ))}
          </ul>
        )}
      </div>

      {isAdmin && <LiveTail />}
      {isAdmin && (
        <p className="small">
          Per key family figures: <Link href="/admin/analytics">Cache analytics</Link>.
        </p>
      )}

      {isAdmin && (
        <div className="panel">
          <h2>Server</h2>
          {serverError !== undefined && <LoadError error={serverError} what="server statistics" />}
          <TimeChart
            times={serverRates.times}
            series={serverRates.series.map((s) => ({ ...s, label: serverTierLabel(s.label) }))}
            range={[0, 1]}
            format={percentAxis}
            height={180}
          />
          {server && <TierTable tiers={server.cache.tiers} label={serverTierLabel} />}
        </div>
      )}

      <div className="panel">
        <h2>This browser</h2>
        <TimeChart
          times={browserRates.times}
          series={browserRates.series}
          range={[0, 1]}
          format={percentAxis}
          height={180}
        />
        <TierTable tiers={browserTiers(browser)} />
        <div className="grid two">
          <div>
            <h3>Storage</h3>
            <Meter label="Origin (all storage)" used={estimate?.usage} total={estimate?.quota} />
            <Meter label="localStorage (ours)" used={local.bytes ?? 0} total={LOCAL_STORAGE_NOMINAL_BYTES} />
            <p className="muted small">
              The origin estimate comes from <code>navigator.storage.estimate()</code>; localStorage allows about 5 MiB
              per origin.
            </p>
          </div>
          <dl className="facts" data-testid="browser-storage">
            <dt>localStorage</dt>
            <dd>{local.available ? 'available' : 'unavailable'}</dd>
            <dt>Entries / bytes</dt>
            <dd>
              {local.entries} / {formatBytes(local.bytes)}
            </dd>
            <dt>Quota failures</dt>
            <dd data-testid="quota-failures">{local.quotaFailures}</dd>
            <dt>Storage errors</dt>
            <dd>{local.storageErrors}</dd>
            <dt>Evicted to make room</dt>
            <dd>{local.evictions}</dd>
            <dt>Corrupt entries dropped</dt>
            <dd>{local.corrupt}</dd>
            <dt>Invalid cached values dropped</dt>
            <dd>{browser.recoveries.schemaDrops}</dd>
            <dt>Pages recovered from a crash</dt>
            <dd>{browser.recoveries.boundaryResets}</dd>
            <dt>Invalidation events</dt>
            <dd>
              {events.count}
              {events.last ? ` (last: ${events.last})` : ''}
            </dd>
          </dl>
        </div>
      </div>
    </section>
  );
}
