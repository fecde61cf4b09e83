/** One team: its integrations with their last sync and a Sync button, and its metrics. */
import { CONNECTOR_LABELS, type Integration, integrationTarget, isMetricName } from '@agiletrack/domain';
import { formatAgo, formatDate } from '../app/format.ts';
import { assertConsistent } from '../app/history.ts';
import { DEFAULT_WINDOW_DAYS, resources, WINDOW_CHOICES } from '../app/resources.ts';
import { useSearchParam } from '../app/search-params.ts';
import { useResource } from '../app/use-resource.ts';
import { CycleBreakdown } from '../components/CycleBreakdown.tsx';
import { DeploymentsList } from '../components/DeploymentsList.tsx';
import { DoraSource } from '../components/Dora.tsx';
import { GoalsPanel } from '../components/GoalsPanel.tsx';
import { Link } from '../components/Link.tsx';
import { MetricBars, MetricCards, MetricExplanation, TrendCharts, WorkItemsList } from '../components/MetricsView.tsx';
import { LoadError, Loading, Revalidating } from '../components/States.tsx';
import { SyncButton } from '../components/SyncButton.tsx';

/** Where an integration reads from, e.g. `acme/alpha` or `ENG`, named by its source (`GitHub acme/alpha`). */
export function targetOf(integration: Integration): string {
  return integrationTarget(integration);
}

/** The last sync of one integration (memory-only key: it changes too often to persist). */
function LastSyncCell({ integrationId }: { integrationId: number }) {
  const lastSync = useResource(resources.lastSync(integrationId));
  if (lastSync.data === undefined)
    return lastSync.error === undefined ? <span className="muted">…</span> : <span className="muted">unknown</span>;
  const { status, finishedAt, startedAt, error, stats } = lastSync.data;
  // A first sync publishes numbers once its newest window is read: they cover partial history.
  const partial = stats?.partial === true;
  return (
    <span className={`status ${status}`} title={error ?? formatDate(finishedAt ?? startedAt)}>
      {status === 'never' ? 'never synced' : `${status} ${formatAgo(finishedAt ?? startedAt)}`}
      {partial && <span className="muted"> · partial history, backfilling</span>}
    </span>
  );
}

/** See the file comment. */
export function TeamPage({ teamId }: { teamId: number }) {
  const team = useResource(resources.team(teamId));
  const integrations = useResource(resources.teamIntegrations(teamId));
  // The window and the chosen metric live in the URL, so a reload shows the same view.
  const [windowParam, setWindowParam] = useSearchParam('window');
  const [metricParam, setMetric] = useSearchParam('metric');
  const windowDays = (WINDOW_CHOICES as readonly number[]).includes(Number(windowParam))
    ? Number(windowParam)
    : DEFAULT_WINDOW_DAYS;
  const selected = metricParam !== undefined && isMetricName(metricParam) ? metricParam : undefined;
  const metrics = useResource(resources.teamMetricsWindow(teamId, windowDays));
  const history = useResource(resources.teamHistory(teamId, windowDays));
  assertConsistent(team.data === undefined || team.data.id === teamId, 'team');
  assertConsistent(integrations.data?.every((i) => i.teamId === teamId) ?? true, 'integrations');
  assertConsistent(metrics.data === undefined || metrics.data.teamId === teamId, 'metrics');

  const names = new Map(integrations.data?.map((i) => [i.id, i.name]));
  return (
    <section>
      <p className="crumbs">
        <Link href="/teams">Teams</Link> /
      </p>
      {team.data ? (
        <>
          <h1>
            <span data-testid="team-name">{team.data.name}</span>{' '}
            <Revalidating active={team.isRevalidating || integrations.isRevalidating || metrics.isRevalidating} />
          </h1>
          <p className="muted">
            {team.data.description || 'No description.'} · {team.data.memberIds.length}{' '}
            {team.data.memberIds.length === 1 ? 'member' : 'members'}
          </p>
        </>
      ) : team.isLoading ? (
        <Loading what="team" />
      ) : null}
      {team.error !== undefined && <LoadError error={team.error} what="team" />}

      <div className="panel">
        <h2>
          Metrics{' '}
          <label className="muted window-choice">
            over{' '}
            <select
              data-testid="window-days"
              value={windowDays}
              onChange={(event) => {
                const days = Number(event.target.value);
                setWindowParam(days === DEFAULT_WINDOW_DAYS ? undefined : String(days));
              }}
            >
              {WINDOW_CHOICES.map((days) => (
                <option key={days} value={days}>
                  {days} days
                </option>
              ))}
            </select>
          </label>
        </h2>
        {metrics.isLoading && <Loading what="metrics" />}
        {metrics.error !== undefined && <LoadError error={metrics.error} what="metrics" />}
        {metrics.data && (
          <div data-testid="team-metrics">
            <p className="muted small">
              Team numbers over {windowDays} days, over every item of its integrations' newest syncs
              {metrics.data.computedAt ? ` (computed ${formatDate(metrics.data.computedAt)})` : ''}. PR and issue
              numbers stay apart; choose a number to see its trend, what it means and the items it was computed from.
            </p>
            <CycleBreakdown values={metrics.data.rollup} teamId={teamId} windowDays={windowDays} onSelect={setMetric} />
            <MetricCards
              values={metrics.data.rollup}
              previous={metrics.data.previous}
              windowDays={windowDays}
              selected={selected}
              onSelect={(name) => setMetric(name === selected ? undefined : name)}
            />
            <DoraSource />
            <GoalsPanel teamId={teamId} windowDays={windowDays} />
            {selected !== undefined && <MetricExplanation name={selected} />}
            <h3>Trend (one point per day)</h3>
            {history.data ? (
              <TrendCharts history={history.data} selected={selected} />
            ) : history.error !== undefined ? (
              <LoadError error={history.error} what="history" />
            ) : (
              <Loading what="history" />
            )}
            {selected !== undefined && <WorkItemsList teamId={teamId} metric={selected} windowDays={windowDays} />}
            {metrics.data.integrations.some((m) => m.kind === 'github') && (
              <DeploymentsList teamId={teamId} windowDays={windowDays} />
            )}
            {/* Integrations are compared only with others of their source, on the metrics that source has. */}
            {(['github', 'jira'] as const).map((kind) => {
              const same = metrics.data!.integrations.filter((m) => m.kind === kind);
              if (same.length === 0) return null;
              return (
                <div key={kind} data-testid={`bars-${kind}`}>
                  <h3>By integration: {CONNECTOR_LABELS[kind].label}</h3>
                  <MetricBars
                    series={same.map((m) => ({
                      label: names.get(m.integrationId) ?? `#${m.integrationId}`,
                      values: m.metrics,
                    }))}
                  />
                </div>
              );
            })}
          </div>
        )}
      </div>
      <div className="panel">
        <h2>Integrations</h2>
        {integrations.isLoading && <Loading what="integrations" />}
        {integrations.error !== undefined && <LoadError error={integrations.error} what="integrations" />}
        {integrations.data && integrations.data.length === 0 && (
          <p className="muted">
            No integrations yet: <Link href={`/settings/integrations?team=${teamId}`}>connect GitHub or Jira</Link>.
          </p>
        )}
        {integrations.data && integrations.data.length > 0 && (
          <table className="table" data-testid="integrations">
            <thead>
              <tr>
                <th>Integration</th>
                <th>Kind</th>
                <th>Source</th>
                <th>Last sync</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {integrations.data.map((integration) => (
                <tr key={integration.id}>
                  <td>
                    <Link href={`/integrations/${integration.id}`}>{integration.name}</Link>
                  </td>
                  <td>
                    <span className={`kind ${integration.kind}`}>{CONNECTOR_LABELS[integration.kind].label}</span>
                  </td>
                  <td>{targetOf(integration)}</td>
                  <td>
                    <LastSyncCell integrationId={integration.id} />
                  </td>
                  <td className="right">
                    <SyncButton integrationId={integration.id} compact />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
