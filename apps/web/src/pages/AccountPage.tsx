/** My account: change the password, and the API tokens for scripts (create, see once, revoke). */
import { type ApiToken, CreatedTokenBody, routeUrl, TokenPage } from '@agiletrack/domain';
import { type FormEvent, useState } from 'react';
import { call } from '../app/api.ts';
import { formatAgo } from '../app/format.ts';
import { usePagedApi } from '../app/use-api.ts';
import { Message, useOutcome } from '../components/Feedback.tsx';
import { ConfirmButton, Field } from '../components/Form.tsx';
import { LoadError, ShowMore } from '../components/States.tsx';

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { outcome, busy, run } = useOutcome();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await run(async () => {
      await call('me.changePassword', { body: { currentPassword: current, newPassword: next } });
      return 'Password changed. Your other sessions have been logged out.';
    });
    if (done) {
      setCurrent('');
      setNext('');
    }
  };
  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <Field label="Current password">
        {(control) => (
          <input
            {...control}
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            required
          />
        )}
      </Field>
      <Field label="New password" hint="At least 10 characters. Every other session of yours ends; this one stays.">
        {(control) => (
          <input
            {...control}
            type="password"
            autoComplete="new-password"
            minLength={10}
            value={next}
            onChange={(e) => setNext(e.target.value)}
            required
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </div>
      <Message outcome={outcome} />
    </form>
  );
}

function Tokens() {
  const list = usePagedApi(routeUrl('tokens.list'), TokenPage, (body) => ({
    items: body.tokens,
    nextCursor: body.nextCursor,
  }));
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [secret, setSecret] = useState<{ name: string; value: string } | undefined>(undefined);
  const { outcome, busy, run } = useOutcome();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      const body = await call('tokens.create', {
        body: { name, ...(days !== '' && { expiresInDays: Number(days) }) },
      });
      setSecret({ name: body.token.name, value: body.secret });
      setName('');
      setDays('');
      await list.reload();
      return `Token “${body.token.name}” created.`;
    });
  };
  const revoke = (token: ApiToken) =>
    run(async () => {
      await call('tokens.revoke', { params: { tokenId: token.id } });
      if (secret?.name === token.name) setSecret(undefined);
      await list.reload();
      return `Token “${token.name}” revoked: it no longer works anywhere.`;
    });

  return (
    <section className="panel" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p className="muted">
        For scripts and the command line: send <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you.
      </p>
      <form className="inline-form" onSubmit={create}>
        <Field label="Name">
          {(control) => (
            <input
              {...control}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              maxLength={120}
              placeholder="ci"
            />
          )}
        </Field>
        <Field label="Expires after (days)" hint="Leave empty for a token that does not expire.">
          {(control) => (
            <input
              {...control}
              type="number"
              min={1}
              max={3650}
              value={days}
              onChange={(e) => setDays(e.target.value)}
              placeholder="never"
            />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          Create token
        </button>
      </form>
      {secret && (
        <div className="secret" role="status">
          <p>
            <strong>Copy the token “{secret.name}” now:</strong> it is shown only once.
          </p>
          <code data-testid="token-secret">{secret.value}</code>
          <button type="button" className="secondary small" onClick={() => setSecret(undefined)}>
            I have copied it
          </button>
        </div>
      )}
      <Message outcome={outcome} />
      {list.error !== undefined && <LoadError error={list.error} what="tokens" />}
      {list.items.length === 0 && !list.loading && <p className="muted">No tokens yet.</p>}
      {list.items.length > 0 && (
        <div className="table-scroll">
          <table className="table stack" data-testid="tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((token) => (
                <tr key={token.id}>
                  <td data-label="Name">{token.name}</td>
                  <td data-label="Created">{formatAgo(token.createdAt)}</td>
                  <td data-label="Last used">{token.lastUsedAt ? formatAgo(token.lastUsedAt) : 'never'}</td>
                  <td data-label="Expires">
                    {token.expiresAt ? new Date(token.expiresAt).toLocaleDateString() : 'never'}
                  </td>
                  <td className="right">
                    <ConfirmButton
                      label="Revoke"
                      question={`Revoke “${token.name}”? Scripts using it stop working at once.`}
                      confirmLabel="Revoke token"
                      onConfirm={() => void revoke(token)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ShowMore list={list} />
    </section>
  );
}

/** See the file comment. */
export function AccountPage() {
  return (
    <section>
      <h1>My account</h1>
      <PasswordForm />
      <Tokens />
    </section>
  );
}
