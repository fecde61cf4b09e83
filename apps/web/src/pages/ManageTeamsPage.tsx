/**
 * Settings → Teams: create a team (admins), rename it and describe it (its members too), manage
 * who belongs to it by e-mail (admins), delete it (admins, after confirming).
 */
import { MemberPage, type Team } from '@agiletrack/domain';
import { type FormEvent, useEffect, useState } from 'react';
import { apiJson } from '../app/api.ts';
import { resources } from '../app/resources.ts';
import { usePagedApi } from '../app/use-api.ts';
import { useResource } from '../app/use-resource.ts';
import { ConfirmButton, Message, useOutcome } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { LoadError, Loading } from '../components/States.tsx';

function CreateTeam() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { outcome, busy, run } = useOutcome();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await apiJson('/api/teams', 'POST', { name, description });
      setName('');
      setDescription('');
      return `Team “${name}” created. Add its members below.`;
    });
  };
  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="new-team-title">
      <h2 id="new-team-title">New team</h2>
      <div className="form-grid">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
        </label>
        <label>
          Description (optional)
          <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
        </label>
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Create team
        </button>
      </div>
      <Message outcome={outcome} />
    </form>
  );
}

function Members({ team, isAdmin }: { team: Team; isAdmin: boolean }) {
  const list = usePagedApi(`/api/teams/${team.id}/members`, MemberPage, (body) => ({
    items: body.members,
    nextCursor: body.nextCursor,
  }));
  const [email, setEmail] = useState('');
  const { outcome, busy, run } = useOutcome();
  const memberCount = team.memberIds.length;
  // The team's cached value changes when someone else edits its members: show the new list.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the member count changes
  useEffect(() => {
    void list.reload();
  }, [memberCount]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await apiJson(`/api/teams/${team.id}/members`, 'POST', { email });
      setEmail('');
      await list.reload();
      return `${email} added to ${team.name}.`;
    });
  };
  return (
    <section aria-labelledby={`members-${team.id}`}>
      <h3 id={`members-${team.id}`}>Members</h3>
      {list.error !== undefined && <LoadError error={list.error} what="members" />}
      {list.items.length === 0 && !list.loading && <p className="muted">No members yet.</p>}
      <ul className="members" data-testid="members">
        {list.items.map((member) => (
          <li key={member.userId}>
            <span>
              {member.name} <span className="muted">{member.email}</span>
              {!member.active && <span className="badge">deactivated</span>}
            </span>
            {isAdmin && (
              <ConfirmButton
                label="Remove"
                question={`Remove ${member.name} from ${team.name}?`}
                confirmLabel="Remove"
                onConfirm={() =>
                  void run(async () => {
                    await apiJson(`/api/teams/${team.id}/members/${member.userId}`, 'DELETE');
                    await list.reload();
                    return `${member.name} removed from ${team.name}.`;
                  })
                }
              />
            )}
          </li>
        ))}
      </ul>
      {list.more && (
        <button type="button" className="secondary small" onClick={() => void list.loadMore()}>
          Show more
        </button>
      )}
      {isAdmin && (
        <form className="inline-form" onSubmit={add}>
          <label>
            Add a member by e-mail
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </label>
          <button type="submit" disabled={busy}>
            Add member
          </button>
        </form>
      )}
      <Message outcome={outcome} />
    </section>
  );
}

function TeamEditor({ team, isAdmin }: { team: Team; isAdmin: boolean }) {
  const [name, setName] = useState(team.name);
  const [description, setDescription] = useState(team.description ?? '');
  const { outcome, busy, run } = useOutcome();
  useEffect(() => {
    setName(team.name);
    setDescription(team.description ?? '');
  }, [team.name, team.description]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await apiJson(`/api/teams/${team.id}`, 'PATCH', { name, description });
      return 'Saved.';
    });
  };
  return (
    <section className="panel" aria-labelledby={`team-${team.id}`} data-testid="team-editor">
      <h2 id={`team-${team.id}`}>
        <Link href={`/teams/${team.id}`}>{team.name}</Link>
      </h2>
      <form className="form" onSubmit={save}>
        <div className="form-grid">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
          </label>
          <label>
            Description
            <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
          </label>
        </div>
        <div className="actions">
          <button type="submit" disabled={busy || (name === team.name && description === (team.description ?? ''))}>
            Save
          </button>
          {isAdmin && (
            <ConfirmButton
              label="Delete team"
              question={`Delete ${team.name} with its integrations, sync history and metrics?`}
              confirmLabel="Delete team"
              onConfirm={() =>
                void run(async () => {
                  await apiJson(`/api/teams/${team.id}`, 'DELETE');
                  return `${team.name} deleted.`;
                })
              }
            />
          )}
        </div>
      </form>
      <Message outcome={outcome} />
      <Members team={team} isAdmin={isAdmin} />
    </section>
  );
}

/** See the file comment. */
export function ManageTeamsPage({ isAdmin }: { isAdmin: boolean }) {
  const teams = useResource(resources.teams());
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const list = teams.data ?? [];
  const team = list.find((t) => t.id === selected) ?? list[0];
  return (
    <section>
      <h1>Teams</h1>
      {isAdmin && <CreateTeam />}
      {teams.error !== undefined && <LoadError error={teams.error} what="teams" />}
      {teams.isLoading && <Loading what="teams" />}
      {teams.data && list.length === 0 && <p className="muted">No teams yet.</p>}
      {list.length > 0 && (
        <div className="picker">
          <label htmlFor="team-picker">Team</label>
          <select id="team-picker" value={team?.id} onChange={(e) => setSelected(Number(e.target.value))}>
            {list.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {team && <TeamEditor key={team.id} team={team} isAdmin={isAdmin} />}
    </section>
  );
}
