/**
 * The app shell: login when anonymous, else the logged-in app (its own chunk, `SignedInApp.tsx`).
 * The shell, the session check and the login page are all the first screen downloads.
 */
import { lazy, Suspense, useEffect } from 'react';
import { navigate, parseRoute, titleOf, usePath } from './app/router.ts';
import { session } from './app/session.ts';
import { useStore } from './app/store.ts';

const LoginPage = lazy(() => import('./pages/LoginPage.tsx').then((m) => ({ default: m.LoginPage })));
const ResetPasswordPage = lazy(() =>
  import('./pages/ResetPasswordPage.tsx').then((m) => ({ default: m.ResetPasswordPage })),
);
const SignedInApp = lazy(() => import('./SignedInApp.tsx').then((m) => ({ default: m.SignedInApp })));

const loading = <p className="muted splash">Loading…</p>;

// Where to go back to after logging in.
let returnTo = '/teams';

/** See the file comment. */
export function App() {
  const state = useStore(session);
  const path = usePath();
  const route = parseRoute(path);

  const title = titleOf(state.kind === 'anonymous' && route.name !== 'resetPassword' ? { name: 'login' } : route);
  useEffect(() => {
    document.title = title;
  }, [title]);

  useEffect(() => {
    if (state.kind === 'anonymous' && route.name !== 'login' && route.name !== 'resetPassword') {
      returnTo = path;
      navigate('/login', true);
    } else if (state.kind === 'user' && route.name === 'login') {
      navigate(returnTo === '/login' ? '/teams' : returnTo, true);
      returnTo = '/teams';
    }
  }, [state.kind, route.name, path]);

  // A reset link works for whoever opens it, logged in or not.
  if (route.name === 'resetPassword') {
    return (
      <Suspense fallback={loading}>
        <ResetPasswordPage />
      </Suspense>
    );
  }
  if (state.kind === 'checking') return loading;
  if (state.kind === 'anonymous') {
    return (
      <Suspense fallback={loading}>
        <LoginPage notice={state.notice} />
      </Suspense>
    );
  }
  return (
    <Suspense fallback={loading}>
      <SignedInApp state={state} route={route} path={path} />
    </Suspense>
  );
}
