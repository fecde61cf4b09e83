/** The teams the user may see. */
import { formatAgo } from '../app/format.ts';
import { resources } from '../app/resources.ts';
import { useResource } from '../app/use-resource.ts';
import { Link } from '../components/Link.tsx';
import { LoadError, Loading, Revalidating } from '../components/States.tsx';

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
        <table className="table" data-testid="teams">
          <thead>
            <tr>
              <th>Team</th>
              <th>Description</th>
              <th className="num">Members</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {teams.data.map((team) => (
              <tr key={team.id}>
                <td>
                  <Link href={`/teams/${team.id}`}>{team.name}</Link>
                </td>
                <td>{team.description || <span className="muted">—</span>}</td>
                <td className="num">{team.memberIds.length}</td>
                <td title={team.updatedAt}>{formatAgo(team.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
