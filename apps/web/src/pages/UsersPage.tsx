/** Settings → Users (admins): find, create, change role, deactivate and reactivate. */
import { CreatedUserBody, routeUrl, type User, UserPage } from '@agiletrack/domain';
import { type FormEvent, useState } from 'react';
import { call } from '../app/api.ts';
import { formatAgo } from '../app/format.ts';
import { usePagedApi } from '../app/use-api.ts';
import { Message, useOutcome } from '../components/Feedback.tsx';
import { ConfirmButton, Field } from '../components/Form.tsx';
import { LoadError, Loading, ShowMore } from '../components/States.tsx';

function CreateUser({ onCreated }: { onCreated: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const [password, setPassword] = useState('');
  const [generated, setGenerated] = useState<{ email: string; password: string } | undefined>(undefined);
  const { outcome, busy, run } = useOutcome();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setGenerated(undefined);
    await run(async () => {
      const body = await call('users.create', { body: { email, name, role, ...(password !== '' && { password }) } });
      if (body.password) setGenerated({ email: body.user.email, password: body.password });
      setEmail('');
      setName('');
      setPassword('');
      await onCreated();
      return `${body.user.name} (${body.user.email}) can now log in.`;
    });
  };

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="new-user-title">
      <h2 id="new-user-title">Add a user</h2>
      <div className="form-grid">
        <Field label="E-mail">
          {(control) => (
            <input
              {...control}
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              required
              autoComplete="off"
            />
          )}
        </Field>
        <Field label="Name">
          {(control) => (
            <input {...control} value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
          )}
        </Field>
        <Field label="Role" hint="Members see and change their own teams; admins manage everything.">
          {(control) => (
            <select {...control} value={role} onChange={(e) => setRole(e.target.value as 'member' | 'admin')}>
              <option value="member">Member</option>
              <option value="admin">Admin</option>
            </select>
          )}
        </Field>
        <Field label="Password (optional)" hint="Leave empty to generate one; it is shown once.">
          {(control) => (
            <input
              {...control}
              type="password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              minLength={10}
              autoComplete="new-password"
            />
          )}
        </Field>
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Add user
        </button>
      </div>
      <Message outcome={outcome} />
      {generated && (
        <div className="secret" role="status">
          <p>
            <strong>Password for {generated.email}</strong> (shown once; they can change it under My account):
          </p>
          <code data-testid="generated-password">{generated.password}</code>
        </div>
      )}
    </form>
  );
}

/** See the file comment. */
export function UsersPage() {
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const url = routeUrl('users.list', { query: { q: search } });
  const list = usePagedApi(url, UserPage, (body) => ({ items: body.users, nextCursor: body.nextCursor }));
  const { outcome, run } = useOutcome();

  const change = (user: User, patch: Record<string, unknown>, done: string) =>
    run(async () => {
      await call('users.update', { params: { userId: user.id }, body: patch });
      await list.reload();
      return done;
    });

  return (
    <section>
      <h1>Users</h1>
      <CreateUser onCreated={list.reload} />
      <section className="panel" aria-labelledby="users-title">
        <h2 id="users-title">Everyone</h2>
        <form
          className="inline-form"
          aria-label="Find users"
          onSubmit={(event) => {
            event.preventDefault();
            setSearch(query.trim());
          }}
        >
          <Field label="Find by name or e-mail">
            {(control) => <input {...control} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />}
          </Field>
          <button type="submit" className="secondary">
            Find
          </button>
        </form>
        <Message outcome={outcome} />
        {list.error !== undefined && <LoadError error={list.error} what="users" />}
        {list.loading && list.items.length === 0 && <Loading what="users" />}
        {list.items.length > 0 && (
          <div className="table-scroll">
            <table className="table stack" data-testid="users">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Teams</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((user) => (
                  <tr key={user.id} className={user.active ? undefined : 'inactive'}>
                    <td data-label="Name">{user.name}</td>
                    <td data-label="E-mail">{user.email}</td>
                    <td data-label="Role">
                      <select
                        aria-label={`Role of ${user.name}`}
                        value={user.role}
                        onChange={(e) =>
                          void change(
                            user,
                            { role: e.target.value },
                            `${user.name} is now ${e.target.value === 'admin' ? 'an admin' : 'a member'}.`,
                          )
                        }
                      >
                        <option value="member">Member</option>
                        <option value="admin">Admin</option>
                      </select>
                    </td>
                    <td data-label="Teams" className="num">
                      {user.teamIds.length}
                    </td>
                    <td data-label="Status">
                      {user.active ? 'active' : `deactivated ${formatAgo(user.deactivatedAt)}`}
                    </td>
                    <td className="right">
                      {user.active ? (
                        <ConfirmButton
                          label="Deactivate"
                          question={`Deactivate ${user.name}? They are logged out everywhere and their tokens stop working.`}
                          confirmLabel="Deactivate"
                          onConfirm={() => void change(user, { active: false }, `${user.name} is deactivated.`)}
                        />
                      ) : (
                        <button
                          type="button"
                          className="secondary small"
                          onClick={() => void change(user, { active: true }, `${user.name} may log in again.`)}
                        >
                          Reactivate
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <ShowMore list={list} />
      </section>
    </section>
  );
}
