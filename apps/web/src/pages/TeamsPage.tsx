/**
 * The teams the user may see, each with the four DORA keys over the default window. The rows'
 * metrics come in one request for all the teams no browser tier holds (the teams overview), then
 * each row renders from the browser cache; the event stream keeps them current.
 */
import { DEFAULT_METRIC_WINDOW, METRIC_NAMES, METRICS, type MetricName, routeUrl, type Team } from '@agiletrack/domain';
import { useEffect, useState } from 'react';
import { formatAgo, formatMetricValue, metricLabel } from '../app/format.ts';
import { preloadTeamsMetrics } from '../app/preload.ts';
import { resources } from '../app/resources.ts';
import { useResource, useUserCaches } from '../app/use-resource.ts';
import { Change, DoraBandBadge, DoraSource } from '../components/Dora.tsx';
import { Link } from '../components/Link.tsx';
import { LoadError, Loading, Revalidating } from '../components/States.tsx';

/** The DORA key metrics, in the domain's order. */
const DORA_KEYS: readonly MetricName[] = METRIC_NAMES.filter((name) => METRICS[name].dora);

/** Whether the metrics of `teamIds` have been fetched together (or the attempt is over). */
function useTeamsMetrics(teamIds: readonly number[]): boolean {
  const caches = useUserCaches();
  const [ready, setReady] = useState(false);
  const ids = teamIds.join(',');
  useEffect(() => {
    let current = true;
    setReady(false);
    const list = ids === '' ? [] : ids.split(',').map(Number);
    void preloadTeamsMetrics(caches, list).finally(() => {
      if (current) setReady(true);
    });
    return () => {
      current = false;
    };
  }, [caches, ids]);
  return ready;
}

/** One team: its name and details, then its DORA keys once its metrics are at hand. */
function TeamRow({ team, metricsReady }: { team: Team; metricsReady: boolean }) {
  return (
    <tr>
      <td>
        <Link href={`/teams/${team.id}`}>{team.name}</Link>
        {team.description && <div className="muted small">{team.description}</div>}
      </td>
      {metricsReady ? <DoraCells teamId={team.id} /> : <PendingCells />}
      <td className="num">{team.memberIds.length}</td>
      <td title={team.updatedAt}>{formatAgo(team.updatedAt)}</td>
    </tr>
  );
}

function PendingCells() {
  return DORA_KEYS.map((name) => (
    <td key={name} className="num">
      <span className="muted">…</span>
    </td>
  ));
}

/** A team's DORA keys from its cached metrics (fetched with the others; its own page revalidates them). */
function DoraCells({ teamId }: { teamId: number }) {
  const metrics = useResource(resources.teamMetrics(teamId), { revalidateOnMount: false });
  const rollup = metrics.data?.rollup;
  const previous = metrics.data?.previous;
  return DORA_KEYS.map((name) => (
    <td key={name} className="num" data-testid={`overview-${name}`}>
      {rollup ? (
        <>
          {formatMetricValue(name, rollup[name])}
          <DoraBandBadge name={name} value={rollup[name]} />
          <Change name={name} value={rollup[name]} previous={previous?.[name]} windowDays={DEFAULT_METRIC_WINDOW} />
        </>
      ) : (
        <span className="muted">…</span>
      )}
    </td>
  ));
}

/** See the file comment. */
export function TeamsPage() {
  const teams = useResource(resources.teams());
  const metricsReady = useTeamsMetrics(teams.data?.map((team) => team.id) ?? []);
  return (
    <section>
      <h1>
        Teams <Revalidating active={teams.isRevalidating} />
      </h1>
      {teams.error !== undefined && <LoadError error={teams.error} what="teams" />}
      {teams.isLoading && <Loading what="teams" />}
      {teams.data && teams.data.length === 0 && <p className="muted">You are not a member of any team yet.</p>}
      {teams.data && teams.data.length > 0 && (
        <div className="table-scroll">
          <table className="table" data-testid="teams">
            <caption className="muted">
              DORA keys over the last {DEFAULT_METRIC_WINDOW} days, across each team's integrations
            </caption>
            <thead>
              <tr>
                <th>Team</th>
                {DORA_KEYS.map((name) => (
                  <th key={name} className="num">
                    {metricLabel(name)}
                  </th>
                ))}
                <th className="num">Members</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {teams.data.map((team) => (
                <TeamRow key={team.id} team={team} metricsReady={metricsReady} />
              ))}
            </tbody>
          </table>
          <DoraSource />
          <p className="small">
            <a data-testid="overview-csv" download href={routeUrl('metrics.teamsOverviewCsv')}>
              Download the teams overview as CSV
            </a>
          </p>
        </div>
      )}
    </section>
  );
}
