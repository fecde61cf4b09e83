/**
 * The app of a logged-in user: the layout around the page for the current path. A chunk of its own,
 * loaded once someone is logged in, with what only they use (the API client, the caches, the menus).
 */
import { lazy, Suspense } from 'react';
import { ADMIN_ROUTES, type Route } from './app/router.ts';
import type { SessionState } from './app/session.ts';
import { UserCachesContext } from './app/use-resource.ts';
import { Layout } from './components/Layout.tsx';
import { Link } from './components/Link.tsx';
import { PageBoundary } from './components/PageBoundary.tsx';

// Each page is its own chunk, fetched when first shown: admins' pages load only for admins who
// open them, the charts only with the pages that draw them.
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
const ManageIntegrationsPage = lazy(() =>
  import('./pages/ManageIntegrationsPage.tsx').then((m) => ({ default: m.ManageIntegrationsPage })),
);
const ManageTeamsPage = lazy(() => import('./pages/ManageTeamsPage.tsx').then((m) => ({ default: m.ManageTeamsPage })));
const TeamPage = lazy(() => import('./pages/TeamPage.tsx').then((m) => ({ default: m.TeamPage })));
const TeamsPage = lazy(() => import('./pages/TeamsPage.tsx').then((m) => ({ default: m.TeamsPage })));
const UsersPage = lazy(() => import('./pages/UsersPage.tsx').then((m) => ({ default: m.UsersPage })));

const loading = <p className="muted splash">Loading…</p>;

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

/** The layout and the current page for the logged-in user of `state`. */
export function SignedInApp({
  state,
  route,
  path,
}: {
  state: Extract<SessionState, { kind: 'user' }>;
  route: Route;
  path: string;
}) {
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
