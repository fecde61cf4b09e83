/** The app shell: login when anonymous, else the page for the current path inside the layout. */
import { type ComponentType, type LazyExoticComponent, lazy, Suspense, useEffect } from 'react';
import { ADMIN_ROUTES, navigate, parseRoute, type Route, titleOf, usePath } from './app/router.ts';
import { session } from './app/session.ts';
import { useStore } from './app/store.ts';
import { UserCachesContext } from './app/use-resource.ts';
import { Layout } from './components/Layout.tsx';
import { Link } from './components/Link.tsx';
import { PageBoundary } from './components/PageBoundary.tsx';

// Each page is its own chunk, fetched when first shown: the login page loads neither the
// other pages nor the charts, and admins' pages load only for admins who open them.
const AccountPage = page(() => import('./pages/AccountPage.tsx'), 'AccountPage');
const AdminCachePage = page(() => import('./pages/AdminCachePage.tsx'), 'AdminCachePage');
const AuditPage = page(() => import('./pages/AuditPage.tsx'), 'AuditPage');
const CacheAnalyticsPage = page(() => import('./pages/CacheAnalyticsPage.tsx'), 'CacheAnalyticsPage');
const CacheMonitorPage = page(() => import('./pages/CacheMonitorPage.tsx'), 'CacheMonitorPage');
const IntegrationPage = page(() => import('./pages/IntegrationPage.tsx'), 'IntegrationPage');
const LoginPage = page(() => import('./pages/LoginPage.tsx'), 'LoginPage');
const ManageIntegrationsPage = page(() => import('./pages/ManageIntegrationsPage.tsx'), 'ManageIntegrationsPage');
const ManageTeamsPage = page(() => import('./pages/ManageTeamsPage.tsx'), 'ManageTeamsPage');
const ResetPasswordPage = page(() => import('./pages/ResetPasswordPage.tsx'), 'ResetPasswordPage');
const TeamPage = page(() => import('./pages/TeamPage.tsx'), 'TeamPage');
const TeamsPage = page(() => import('./pages/TeamsPage.tsx'), 'TeamsPage');
const UsersPage = page(() => import('./pages/UsersPage.tsx'), 'UsersPage');

/** A page component loaded on first render from its module's export `name`. */
function page<Name extends string, Props extends object>(
  load: () => Promise<Record<Name, ComponentType<Props>>>,
  name: Name,
): LazyExoticComponent<ComponentType<Props>> {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

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
