/**
 * The teams the user may see, each with the four DORA keys over the default window. The first
 * teams' metrics were preloaded after login (one request); a row renders from the browser cache.
 */
import { DEFAULT_METRIC_WINDOW, METRIC_NAMES, METRICS, type MetricName, type Team } from '@agiletrack/domain';
import { formatAgo, formatMetricValue, metricLabel } from '../app/format.ts';
import { resources } from '../app/resources.ts';
import { useResource } from '../app/use-resource.ts';
import { Link } from '../components/Link.tsx';
import { LoadError, Loading, Revalidating } from '../components/States.tsx';

/** The DORA key metrics, in the domain's order. */
const DORA_KEYS: readonly MetricName[] = METRIC_NAMES.filter((name) => METRICS[name].dora);

/** One team: its name and details, then its DORA keys once its metrics are at hand. */
function TeamRow({ team }: { team: Team }) {
  const metrics = useResource(resources.teamMetrics(team.id));
  const rollup = metrics.data?.rollup;
  return (
    <tr>
      <td>
        <Link href={`/teams/${team.id}`}>{team.name}</Link>
        {team.description && <div className="muted small">{team.description}</div>}
      </td>
      {DORA_KEYS.map((name) => (
        <td key={name} className="num">
          {rollup ? formatMetricValue(name, rollup[name]) : <span className="muted">…</span>}
        </td>
      ))}
      <td className="num">{team.memberIds.length}</td>
      <td title={team.updatedAt}>{formatAgo(team.updatedAt)}</td>
    </tr>
  );
}

/** See the file comment. */
export function TeamsPage() {
  const teams = useResource(resources.teams());
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
                <TeamRow key={team.id} team={team} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
