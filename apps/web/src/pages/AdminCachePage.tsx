/** Admin → Cache: the server cache's statistics per tier, and clearing or warming it. */

import type { ServerCacheStats } from '@agiletrack/domain';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type ClearTarget, clearServerCache, fetchServerStats, warmServerCache } from '../app/admin.ts';
import { messageOf } from '../app/api.ts';
import { clearUser } from '../app/browser-cache.ts';
import { formatBytes } from '../app/format.ts';
import { reloadOnScreen } from '../app/loader.ts';
import { resources } from '../app/resources.ts';
import { useResource, useUserCaches } from '../app/use-resource.ts';
import { Link } from '../components/Link.tsx';
import { LoadError, Loading } from '../components/States.tsx';
import { serverTierLabel, TierTable } from '../components/TierTable.tsx';

function ClearForm({
  label,
  placeholder,
  busy,
  onClear,
}: {
  label: 'key' | 'prefix' | 'tag';
  placeholder: string;
  busy: boolean;
  onClear: (target: ClearTarget) => void;
}) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = value.trim();
    if (text !== '') onClear({ [label]: text } as ClearTarget);
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label>
        By {label}
        <input value={value} placeholder={placeholder} onChange={(e) => setValue(e.target.value)} />
      </label>
      <button type="submit" disabled={busy || value.trim() === ''}>
        Clear
      </button>
    </form>
  );
}

/** See the file comment. */
export function AdminCachePage({ isAdmin }: { isAdmin: boolean }) {
  const caches = useUserCaches();
  const [stats, setStats] = useState<ServerCacheStats | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | undefined>(undefined);
  const [teamId, setTeamId] = useState('');
  const teams = useResource(resources.teams());

  const load = useCallback(async () => {
    try {
      setStats(await fetchServerStats());
      setError(undefined);
    } catch (caught) {
      setError(caught);
    }
  }, []);
  useEffect(() => {
    if (isAdmin) void load();
  }, [isAdmin, load]);

  if (!isAdmin) return <p className="error-text">The cache administration needs the admin role.</p>;

  const run = async (label: string, action: () => Promise<string>) => {
    setBusy(true);
    setResult(undefined);
    try {
      setResult(`${label}: ${await action()}`);
      await load();
    } catch (caught) {
      setResult(`${label} failed: ${messageOf(caught)}`);
    } finally {
      setBusy(false);
    }
  };
  const clear = (target: ClearTarget) => void run('Cleared', () => clearServerCache(target));

  const redis = stats?.redis;
  return (
    <section>
      <h1>Admin → Cache</h1>
      {result && (
        <p className="notice" role="status">
          {result}
        </p>
      )}
      {error !== undefined && <LoadError error={error} what="cache statistics" />}
      {!stats && error === undefined && <Loading what="cache statistics" />}
      {stats && (
        <>
          <div className="panel">
            <h2>
              Server tiers{' '}
              <button type="button" className="secondary small" onClick={() => void load()}>
                Reload
              </button>
            </h2>
            <p className="muted small">
              Mode: database {stats.mode.database}, L2 {stats.mode.cache}. {stats.sseConnections}{' '}
              {stats.sseConnections === 1 ? 'browser' : 'browsers'} connected for live updates. Process memory{' '}
              {formatBytes(stats.process.rss)} (heap {formatBytes(stats.process.heapUsed)}
              ).
            </p>
            <TierTable tiers={stats.cache.tiers} label={serverTierLabel} />
            <div className="grid two">
              <dl className="facts">
                <dt>getOrSet calls</dt>
                <dd>{stats.cache.getOrSet.calls ?? 0}</dd>
                <dt>Origin reads (factory calls)</dt>
                <dd>{stats.cache.getOrSet.factoryCalls ?? 0}</dd>
                <dt>Joined an in-flight load</dt>
                <dd>{stats.cache.getOrSet.singleFlightJoins ?? 0}</dd>
                <dt>Stale / grace serves</dt>
                <dd>
                  {stats.cache.getOrSet.staleServes ?? 0} / {stats.cache.getOrSet.graceServes ?? 0}
                </dd>
                <dt>Factory errors</dt>
                <dd>{stats.cache.getOrSet.factoryErrors ?? 0}</dd>
                <dt>Tag invalidations</dt>
                <dd>{stats.cache.tags.invalidations}</dd>
              </dl>
              <dl className="facts" data-testid="redis-memory">
                <dt>Redis memory</dt>
                {redis ? (
                  typeof redis.error === 'string' ? (
                    <dd className="error-text">unavailable: {redis.error}</dd>
                  ) : (
                    <dd>
                      {formatBytes(Number(redis.usedMemory))} used, peak {formatBytes(Number(redis.usedMemoryPeak))},
                      max {Number(redis.maxMemory) > 0 ? formatBytes(Number(redis.maxMemory)) : 'unlimited'} (
                      {String(redis.maxMemoryPolicy ?? '?')}), fragmentation {String(redis.fragmentationRatio ?? '?')}
                    </dd>
                  )
                ) : (
                  <dd>no Redis in this mode (L2 is the database table)</dd>
                )}
                <dt>Invalidation bus</dt>
                <dd>
                  {stats.cache.bus.published ?? 0} published, {stats.cache.bus.received ?? 0} received,{' '}
                  {stats.cache.bus.errors ?? 0} errors
                </dd>
              </dl>
            </div>
          </div>

          <div className="panel">
            <h2>Clear or warm the server cache</h2>
            <div className="actions">
              <button type="button" className="danger" disabled={busy} onClick={() => clear({ all: true })}>
                Clear all
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void run('Warmed', async () => {
                    const warmed = await warmServerCache();
                    return `${warmed.keys} keys of ${warmed.teams} teams in ${warmed.ms} ms`;
                  })
                }
              >
                Warm hot keys
              </button>
            </div>
            <ClearForm label="key" placeholder="team_1" busy={busy} onClear={clear} />
            <ClearForm label="prefix" placeholder="team_" busy={busy} onClear={clear} />
            <ClearForm label="tag" placeholder="integration:7" busy={busy} onClear={clear} />
            <form
              className="inline-form"
              onSubmit={(event) => {
                event.preventDefault();
                if (teamId !== '') clear({ tag: `team:${teamId}` });
              }}
            >
              <label>
                By team
                <select value={teamId} onChange={(e) => setTeamId(e.target.value)}>
                  <option value="">choose a team…</option>
                  {teams.data?.map((team) => (
                    <option key={team.id} value={team.id}>
                      {team.name}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" disabled={busy || teamId === ''}>
                Clear
              </button>
            </form>
          </div>
        </>
      )}
      <div className="panel">
        <h2>This browser</h2>
        <p className="muted small">
          Your teams, integrations and basic metrics are kept in localStorage for 3 days, the rest in memory for 4
          hours. See the <Link href="/admin/monitor">cache monitor</Link>.
        </p>
        <button
          type="button"
          className="secondary"
          onClick={async () => {
            await clearUser(caches.userId);
            await reloadOnScreen('revalidate');
            setResult('Cleared this browser’s cache for you');
          }}
        >
          Clear my browser cache
        </button>
      </div>
    </section>
  );
}
