/**
 * A team's production deployments over the window: what each shipped (pull requests with their lead
 * times) and whether it failed (its own status, or the incident that followed). The header is the
 * change failure rate as failed ÷ total, from the same list.
 */
import type { DeploymentsPage } from '@agiletrack/domain';
import { useEffect, useState } from 'react';
import { call, messageOf } from '../app/api.ts';
import { formatDate, formatMetricValue } from '../app/format.ts';

type Page = DeploymentsPage;

/** See the file comment. */
export function DeploymentsList({ teamId, windowDays }: { teamId: number; windowDays: number }) {
  const [pages, setPages] = useState<Page[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const load = async (cursor: string | null, replace: boolean) => {
    setLoading(true);
    try {
      const page = await call('metrics.deployments', {
        params: { teamId },
        query: { windowDays, limit: 20, ...(cursor && { cursor }) },
      });
      setPages((old) => (replace ? [page] : [...old, page]));
      setError(undefined);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the team or window changes.
  useEffect(() => {
    void load(null, true);
  }, [teamId, windowDays]);

  const first = pages[0];
  const deployments = pages.flatMap((p) => p.deployments);
  const next = pages.at(-1)?.nextCursor ?? null;
  return (
    <div data-testid="deployments">
      <h3>Production deployments (last {windowDays} days)</h3>
      {error !== undefined && <p className="error">{error}</p>}
      {first && (
        <p className="muted" data-testid="deployments-summary" data-failed={first.failed} data-total={first.total}>
          Change failure rate <strong>{formatMetricValue('changeFailureRate', first.changeFailureRate)}</strong> ={' '}
          {first.failed} failed ÷ {first.total} production deployments
        </p>
      )}
      {!loading && deployments.length === 0 && error === undefined && (
        <p className="muted">No production deployment in this window.</p>
      )}
      {deployments.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Deployment</th>
              <th>Finished</th>
              <th>Outcome</th>
              <th>Changes shipped (lead time)</th>
            </tr>
          </thead>
          <tbody>
            {deployments.map((d) => (
              <tr key={`${d.integrationId}:${d.externalId}`} data-testid="deployment" data-failed={d.failed}>
                <td>
                  {d.url ? (
                    <a href={d.url} target="_blank" rel="noreferrer noopener">
                      {d.commit ?? d.externalId}
                    </a>
                  ) : (
                    (d.commit ?? d.externalId)
                  )}
                  {d.environment && <span className="muted small"> {d.environment}</span>}
                </td>
                <td>{formatDate(d.finishedAt)}</td>
                <td className={d.failed ? 'error' : undefined}>
                  {!d.failed
                    ? 'ok'
                    : d.failure === 'failed'
                      ? `failed (${d.state})`
                      : `incident ${d.incident?.externalId ?? ''} followed`}
                </td>
                <td>
                  {d.changes.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <ul className="plain">
                      {d.changes.map((c) => (
                        <li key={c.externalId}>
                          {c.url ? (
                            <a href={c.url} target="_blank" rel="noreferrer noopener">
                              #{c.externalId} {c.title}
                            </a>
                          ) : (
                            `#${c.externalId} ${c.title}`
                          )}{' '}
                          <span className="muted">({formatMetricValue('leadTimeHours', c.leadTimeHours)})</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" disabled={loading} onClick={() => void load(next, false)}>
          More
        </button>
      )}
    </div>
  );
}
