/** The app shell: login when anonymous, else the page for the current path inside the layout. */
import { lazy, Suspense, useEffect } from 'react';
import { ADMIN_ROUTES, navigate, parseRoute, type Route, titleOf, usePath } from './app/router.ts';
import { session } from './app/session.ts';
import { useStore } from './app/store.ts';
import { UserCachesContext } from './app/use-resource.ts';
import { Layout } from './components/Layout.tsx';
import { Link } from './components/Link.tsx';
import { PageBoundary } from './components/PageBoundary.tsx';

// Each page is its own chunk, fetched when first shown: the login page loads neither the
// other pages nor the charts, and admins' pages load only for admins who open them.
const AccountPage = lazy(() => import('./pages/AccountPage.tsx').then((m) => ({ default: m.AccountPage })));
const AdminCachePage = lazy(() => import('./pages/AdminCachePage.tsx').then((m) => ({ default: m.AdminCachePage })));
const AuditPage = lazy(() => import('./pages/AuditPage.tsx').then((m) => ({ default: m.AuditPage })));
const CacheAnalyticsPage = lazy(() =>
  import('./pages/CacheAnalyticsPage.tsx').then((m) => ({ default: m.CacheAnalyticsPage })),
);
const CacheMonitorPage = lazy(() =>
  import('./pages/CacheMonitorPage.tsx').then((m) => ({ default: m.CacheMonitorPage })),
);
const IntegrationPage = lazy(() => import('./pages/IntegrationPage.tsx').then((m) => ({ default: m.IntegrationPage })));
const LoginPage = lazy(() => import('./pages/LoginPage.tsx').then((m) => ({ default: m.LoginPage })));
const ManageIntegrationsPage = lazy(() =>
  import('./pages/ManageIntegrationsPage.tsx').then((m) => ({ default: m.ManageIntegrationsPage })),
);
const ManageTeamsPage = lazy(() => import('./pages/ManageTeamsPage.tsx').then((m) => ({ default: m.ManageTeamsPage })));
const ResetPasswordPage = lazy(() =>
  import('./pages/ResetPasswordPage.tsx').then((m) => ({ default: m.ResetPasswordPage })),
);
const TeamPage = lazy(() => import('./pages/TeamPage.tsx').then((m) => ({ default: m.TeamPage })));
const TeamsPage = lazy(() => import('./pages/TeamsPage.tsx').then((m) => ({ default: m.TeamsPage })));
const UsersPage = lazy(() => import('./pages/UsersPage.tsx').then((m) => ({ default: m.UsersPage })));

const loading = <p className="muted splash">Loading…</p>;

// Where to go back to after logging in.
let returnTo = '/teams';

function Page({ route, isAdmin }: { route: Route; isAdmin: boolean }) {
  if (ADMIN_ROUTES.has(route.name) && !isAdmin) {
    return (
      <section>
        <h1>Admins only</h1>
        <p>
          This page is for administrators. <Link href="/teams">Back to the teams</Link>.
        </p>
      </section>
    );
  }
  switch (route.name) {
    case 'teams':
    case 'login':
    case 'resetPassword':
      return <TeamsPage />;
    case 'team':
      return <TeamPage teamId={route.teamId} />;
    case 'integration':
      return <IntegrationPage integrationId={route.integrationId} />;
    case 'adminCache':
      return <AdminCachePage isAdmin={isAdmin} />;
    case 'monitor':
      return <CacheMonitorPage isAdmin={isAdmin} />;
    case 'audit':
      return <AuditPage />;
    case 'users':
      return <UsersPage />;
    case 'manageTeams':
      return <ManageTeamsPage isAdmin={isAdmin} />;
    case 'manageIntegrations':
      return <ManageIntegrationsPage />;
    case 'account':
      return <AccountPage />;
    case 'analytics':
      return <CacheAnalyticsPage isAdmin={isAdmin} />;
    case 'notFound':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <Link href="/teams">Back to the teams</Link>.
          </p>
        </section>
      );
  }
}

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
  const isAdmin = state.user.role === 'admin';
  return (
    // Keyed by user: nothing rendered for one user survives into another's session.
    <UserCachesContext.Provider value={state.caches} key={state.user.userId}>
      <Layout user={state.user} path={path}>
        <PageBoundary page={path}>
          <Suspense fallback={loading}>
            <Page route={route} isAdmin={isAdmin} />
          </Suspense>
        </PageBoundary>
      </Layout>
    </UserCachesContext.Provider>
  );
}
