/**
 * Settings → Teams: create a team (admins), rename it and describe it (its members too), manage
 * who belongs to it by e-mail (admins), delete it (admins, after confirming).
 */
import { MemberPage, routeUrl, type Team } from '@agiletrack/domain';
import { type FormEvent, useEffect, useState } from 'react';
import { call } from '../app/api.ts';
import { usePagedApi } from '../app/use-api.ts';
import { Message, useOutcome } from '../components/Feedback.tsx';
import { ConfirmButton, Field } from '../components/Form.tsx';
import { Link } from '../components/Link.tsx';
import { LoadError, ShowMore } from '../components/States.tsx';
import { TeamChoice } from '../components/TeamChoice.tsx';

/** A team's name and description, as creating and editing it ask for them. */
function TeamFields(props: {
  name: string;
  setName: (name: string) => void;
  description: string;
  setDescription: (description: string) => void;
}) {
  return (
    <div className="form-grid">
      <Field label="Name">
        {(control) => (
          <input
            {...control}
            value={props.name}
            onChange={(e) => props.setName(e.target.value)}
            required
            maxLength={120}
          />
        )}
      </Field>
      <Field label="Description (optional)">
        {(control) => (
          <input
            {...control}
            value={props.description}
            onChange={(e) => props.setDescription(e.target.value)}
            maxLength={2000}
          />
        )}
      </Field>
    </div>
  );
}

function CreateTeam() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { outcome, busy, run } = useOutcome();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await call('teams.create', { body: { name, description } });
      setName('');
      setDescription('');
      return `Team “${name}” created. Add its members below.`;
    });
  };
  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="new-team-title">
      <h2 id="new-team-title">New team</h2>
      <TeamFields name={name} setName={setName} description={description} setDescription={setDescription} />
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
  const list = usePagedApi(routeUrl('members.list', { params: { teamId: team.id } }), MemberPage, (body) => ({
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
      await call('members.add', { params: { teamId: team.id }, body: { email } });
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
                    await call('members.remove', { params: { teamId: team.id, userId: member.userId } });
                    await list.reload();
                    return `${member.name} removed from ${team.name}.`;
                  })
                }
              />
            )}
          </li>
        ))}
      </ul>
      <ShowMore list={list} small />
      {isAdmin && (
        <form className="inline-form" onSubmit={add}>
          <Field label="Add a member by e-mail">
            {(control) => (
              <input {...control} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
            )}
          </Field>
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
      await call('teams.update', { params: { teamId: team.id }, body: { name, description } });
      return 'Saved.';
    });
  };
  return (
    <section className="panel" aria-labelledby={`team-${team.id}`} data-testid="team-editor">
      <h2 id={`team-${team.id}`}>
        <Link href={`/teams/${team.id}`}>{team.name}</Link>
      </h2>
      <form className="form" onSubmit={save}>
        <TeamFields name={name} setName={setName} description={description} setDescription={setDescription} />
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
                  await call('teams.delete', { params: { teamId: team.id } });
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
  return (
    <section>
      <h1>Teams</h1>
      {isAdmin && <CreateTeam />}
      <TeamChoice empty="No teams yet.">
        {(team) => <TeamEditor key={team.id} team={team} isAdmin={isAdmin} />}
      </TeamChoice>
    </section>
  );
}
