/** The app shell: login when anonymous, else the page for the current path inside the layout. */
import { useEffect } from 'react';
import { ADMIN_ROUTES, navigate, parseRoute, type Route, titleOf, usePath } from './app/router.ts';
import { session } from './app/session.ts';
import { useStore } from './app/store.ts';
import { UserCachesContext } from './app/use-resource.ts';
import { Layout } from './components/Layout.tsx';
import { Link } from './components/Link.tsx';
import { PageBoundary } from './components/PageBoundary.tsx';
import { AccountPage } from './pages/AccountPage.tsx';
import { AdminCachePage } from './pages/AdminCachePage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { CacheAnalyticsPage } from './pages/CacheAnalyticsPage.tsx';
import { CacheMonitorPage } from './pages/CacheMonitorPage.tsx';
import { IntegrationPage } from './pages/IntegrationPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { ManageIntegrationsPage } from './pages/ManageIntegrationsPage.tsx';
import { ManageTeamsPage } from './pages/ManageTeamsPage.tsx';
import { ResetPasswordPage } from './pages/ResetPasswordPage.tsx';
import { TeamPage } from './pages/TeamPage.tsx';
import { TeamsPage } from './pages/TeamsPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';

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
  if (route.name === 'resetPassword') return <ResetPasswordPage />;
  if (state.kind === 'checking') return <p className="muted splash">Loading…</p>;
  if (state.kind === 'anonymous') return <LoginPage notice={state.notice} />;
  const isAdmin = state.user.role === 'admin';
  return (
    // Keyed by user: nothing rendered for one user survives into another's session.
    <UserCachesContext.Provider value={state.caches} key={state.user.userId}>
      <Layout user={state.user} path={path}>
        <PageBoundary page={path}>
          <Page route={route} isAdmin={isAdmin} />
        </PageBoundary>
      </Layout>
    </UserCachesContext.Provider>
  );
}
