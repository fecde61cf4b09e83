/**
 * Setting a new password through a one-time reset link an admin issued (`/reset-password#<token>`:
 * the token rides in the fragment, which never leaves the browser but for this request). Open to
 * anyone holding the link, logged in or not; afterwards, the login.
 */
import { type FormEvent, useState } from 'react';
import { call } from '../app/api.ts';
import { navigate } from '../app/router.ts';
import { Message, useOutcome } from '../components/Feedback.tsx';
import { Field } from '../components/Form.tsx';

/** See the file comment. */
export function ResetPasswordPage() {
  const [token] = useState(() => window.location.hash.slice(1));
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [done, setDone] = useState(false);
  const { outcome, busy, run, errorOf, edited, setOutcome } = useOutcome(['newPassword']);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== again) {
      setOutcome({ kind: 'error', text: 'The two passwords differ: type the same one twice.' });
      return;
    }
    setDone(
      await run(async () => {
        await call('auth.resetPassword', { body: { token, newPassword: password } });
        // The link is spent: nothing of it stays in the address bar or the history.
        window.history.replaceState(null, '', '/reset-password');
        return 'Your password is set. Log in with it; your other sessions have ended.';
      }),
    );
  };

  return (
    <div className="login">
      <form className="panel" onSubmit={submit} onInput={edited}>
        <h1>Set a new password</h1>
        {token === '' ? (
          <p className="error-text" role="alert">
            This page needs the whole reset link an admin gave you (it ends with # and a code). Ask them for a new one.
          </p>
        ) : done ? null : (
          <>
            <Field
              label="New password"
              hint="At least 10 characters, not counting spaces at either end."
              error={errorOf('newPassword')}
            >
              {(control) => (
                <input
                  {...control}
                  name="newPassword"
                  type="password"
                  autoComplete="new-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  required
                />
              )}
            </Field>
            <Field label="The same password again">
              {(control) => (
                <input
                  {...control}
                  name="again"
                  type="password"
                  autoComplete="new-password"
                  value={again}
                  onChange={(e) => setAgain(e.target.value)}
                  required
                />
              )}
            </Field>
            <button type="submit" disabled={busy}>
              {busy ? 'Setting…' : 'Set password'}
            </button>
          </>
        )}
        <Message outcome={outcome} />
        {done && (
          <button type="button" onClick={() => navigate('/login')}>
            Go to the login
          </button>
        )}
      </form>
    </div>
  );
}
