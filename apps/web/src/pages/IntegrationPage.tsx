/** One integration: its settings (never credentials), last sync with a Sync button, its metrics. */
import { CONNECTOR_LABELS, isMetricName, routeUrl, WebhookInfoBody } from '@agiletrack/domain';
import { Fragment } from 'react';
import { formatAgo, formatDate } from '../app/format.ts';
import { assertConsistent } from '../app/history.ts';
import { resources } from '../app/resources.ts';
import { useSearchParam } from '../app/search-params.ts';
import { useApi } from '../app/use-api.ts';
import { useResource } from '../app/use-resource.ts';
import { Link } from '../components/Link.tsx';
import { MetricCards, MetricExplanation, TrendCharts } from '../components/MetricsView.tsx';
import { LoadError, Loading, Revalidating } from '../components/States.tsx';
import { SyncButton } from '../components/SyncButton.tsx';
import { targetOf } from './TeamPage.tsx';

/** The team's name for the breadcrumb, from the cache like everything else. */
function TeamCrumb({ teamId }: { teamId: number }) {
  const team = useResource(resources.team(teamId));
  return <Link href={`/teams/${teamId}`}>{team.data?.name ?? `Team #${teamId}`}</Link>;
}

/** The webhook to set up upstream (URL, events, signature header) and the last deliveries. */
function WebhookPanel({ integrationId }: { integrationId: number }) {
  const info = useApi(routeUrl('integrations.webhook', { params: { integrationId } }), WebhookInfoBody);
  const data = info.data;
  return (
    <div className="panel" data-testid="webhook">
      <h2>Webhook</h2>
      {info.loading && <Loading what="webhook" />}
      {info.error !== undefined && <LoadError error={info.error} what="webhook" />}
      {data && (
        <>
          <dl className="facts">
            <dt>Payload URL</dt>
            <dd>
              <code>{`${window.location.origin}${data.path}`}</code>
            </dd>
            <dt>Content type</dt>
            <dd>
              <code>application/json</code>
            </dd>
            <dt>Events</dt>
            <dd>{data.events.join(', ')}</dd>
            <dt>Secret</dt>
            <dd>
              {data.hasSecret ? 'set (shown once; rotate it in Settings → Integrations)' : 'none yet'}, sent as{' '}
              <code>{data.signatureHeader}</code>
            </dd>
            <dt>Refused</dt>
            <dd>
              {data.refused.signature} bad or missing signatures, {data.refused.replay} replays (since the server
              started)
            </dd>
          </dl>
          <h3>Last deliveries</h3>
          {data.deliveries.length === 0 ? (
            <p className="muted">None yet: polling keeps the numbers fresh meanwhile.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Received</th>
                  <th>Event</th>
                  <th>Outcome</th>
                </tr>
              </thead>
              <tbody>
                {data.deliveries.map((d) => (
                  <tr key={d.deliveryId}>
                    <td title={formatDate(d.receivedAt)}>{formatAgo(d.receivedAt)}</td>
                    <td>{d.event}</td>
                    <td>{d.outcome}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}

/** See the file comment. */
export function IntegrationPage({ integrationId }: { integrationId: number }) {
  const integration = useResource(resources.integration(integrationId));
  const lastSync = useResource(resources.lastSync(integrationId));
  const metrics = useResource(resources.integrationMetrics(integrationId));
  const history = useResource(resources.integrationHistory(integrationId));
  const [metricParam, setSelected] = useSearchParam('metric');
  const selected = metricParam !== undefined && isMetricName(metricParam) ? metricParam : undefined;
  assertConsistent(integration.data === undefined || integration.data.id === integrationId, 'integration');
  assertConsistent(metrics.data === undefined || metrics.data.integrationId === integrationId, 'metrics');

  const data = integration.data;
  return (
    <section>
      <p className="crumbs">
        <Link href="/teams">Teams</Link> / {data && <TeamCrumb teamId={data.teamId} />}
      </p>
      {integration.isLoading && <Loading what="integration" />}
      {integration.error !== undefined && <LoadError error={integration.error} what="integration" />}
      {data && (
        <>
          <h1>
            <span data-testid="integration-name">{data.name}</span>{' '}
            <Revalidating active={integration.isRevalidating || metrics.isRevalidating} />
          </h1>
          <div className="grid two">
            <div className="panel">
              <h2>Settings</h2>
              <dl className="facts">
                <dt>Kind</dt>
                <dd>{CONNECTOR_LABELS[data.kind].label}</dd>
                <dt>Source</dt>
                <dd>{targetOf(data)}</dd>
                {Object.entries(data.config)
                  .filter(([name]) => !['owner', 'repo', 'projectKey', 'boardId'].includes(name))
                  .map(([name, value]) => (
                    <Fragment key={name}>
                      <dt>{name}</dt>
                      <dd>
                        {typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)}
                      </dd>
                    </Fragment>
                  ))}
                <dt>Sync every</dt>
                <dd>{data.syncIntervalMinutes === null ? 'manual only' : `${data.syncIntervalMinutes} min`}</dd>
                <dt>Credentials</dt>
                <dd>stored encrypted on the server; never sent to the browser</dd>
                <dt>Updated</dt>
                <dd title={formatDate(data.updatedAt)}>{formatAgo(data.updatedAt)}</dd>
              </dl>
            </div>
            <div className="panel">
              <h2>Last sync</h2>
              {lastSync.isLoading && <Loading what="last sync" />}
              {lastSync.error !== undefined && <LoadError error={lastSync.error} what="last sync" />}
              {lastSync.data && (
                <dl className="facts" data-testid="last-sync">
                  <dt>Status</dt>
                  <dd>
                    <span className={`status ${lastSync.data.status}`}>{lastSync.data.status}</span>
                  </dd>
                  <dt>Started</dt>
                  <dd>{formatDate(lastSync.data.startedAt)}</dd>
                  <dt>Finished</dt>
                  <dd>{formatDate(lastSync.data.finishedAt)}</dd>
                  {lastSync.data.error && (
                    <>
                      <dt>Error</dt>
                      <dd className="error-text">{lastSync.data.error}</dd>
                    </>
                  )}
                </dl>
              )}
              {lastSync.data?.stats?.partial === true && (
                <p className="muted small" data-testid="partial-history">
                  Partial history: numbers cover what is stored since{' '}
                  {formatDate(String(lastSync.data.stats.historyFrom))}; older history is still being read.
                </p>
              )}
              <SyncButton integrationId={integrationId} />
            </div>
          </div>
          <WebhookPanel integrationId={integrationId} />
        </>
      )}
      <div className="panel">
        <h2>Metrics</h2>
        {metrics.isLoading && <Loading what="metrics" />}
        {metrics.error !== undefined && <LoadError error={metrics.error} what="metrics" />}
        {metrics.data && (
          <div data-testid="integration-metrics">
            <p className="muted small">
              {metrics.data.computedAt
                ? `Newest snapshot, computed ${formatDate(metrics.data.computedAt)} over ${metrics.data.windowDays ?? '?'} days.`
                : 'Not computed yet.'}
            </p>
            {metrics.data.metrics && (
              <>
                <MetricCards
                  values={metrics.data.metrics}
                  selected={selected}
                  onSelect={(name) => setSelected(name === selected ? undefined : name)}
                />
                {selected !== undefined && <MetricExplanation name={selected} />}
                <h3>Trend (one point per day)</h3>
                {history.data && <TrendCharts history={history.data} selected={selected} />}
                {history.error !== undefined && <LoadError error={history.error} what="history" />}
              </>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
