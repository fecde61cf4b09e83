/** A small History-API router: the server answers every non-API path with index.html. */
import { createStore, useStore } from './store.ts';

/** The pages. */
export type Route =
  | { readonly name: 'login' }
  | { readonly name: 'resetPassword' }
  | { readonly name: 'teams' }
  | { readonly name: 'team'; readonly teamId: number }
  | { readonly name: 'integration'; readonly integrationId: number }
  | { readonly name: 'adminCache' }
  | { readonly name: 'monitor' }
  | { readonly name: 'audit' }
  | { readonly name: 'users' }
  | { readonly name: 'manageTeams' }
  | { readonly name: 'manageIntegrations' }
  | { readonly name: 'account' }
  | { readonly name: 'analytics' }
  | { readonly name: 'notFound'; readonly path: string };

/** The pages only admins may open. */
export const ADMIN_ROUTES: ReadonlySet<Route['name']> = new Set([
  'adminCache',
  'monitor',
  'analytics',
  'audit',
  'users',
]);

const positive = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
};

/** The route of a path. */
export function parseRoute(path: string): Route {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const [first, second, third] = parts;
  if (parts.length === 0 || (first === 'teams' && parts.length === 1)) return { name: 'teams' };
  if (first === 'login' && parts.length === 1) return { name: 'login' };
  if (first === 'reset-password' && parts.length === 1) return { name: 'resetPassword' };
  if (first === 'teams' && parts.length === 2) {
    const teamId = positive(second);
    if (teamId !== undefined) return { name: 'team', teamId };
  }
  if (first === 'integrations' && parts.length === 2) {
    const integrationId = positive(second);
    if (integrationId !== undefined) return { name: 'integration', integrationId };
  }
  if (first === 'admin' && third === undefined) {
    if (second === 'cache') return { name: 'adminCache' };
    if (second === 'monitor') return { name: 'monitor' };
    if (second === 'analytics') return { name: 'analytics' };
    if (second === 'audit') return { name: 'audit' };
  }
  if (first === 'settings' && third === undefined) {
    if (second === 'users') return { name: 'users' };
    if (second === 'teams') return { name: 'manageTeams' };
    if (second === 'integrations') return { name: 'manageIntegrations' };
    if (second === 'account') return { name: 'account' };
  }
  return { name: 'notFound', path };
}

/** The path of a route. */
export function pathOf(route: Route): string {
  switch (route.name) {
    case 'login':
      return '/login';
    case 'resetPassword':
      return '/reset-password';
    case 'teams':
      return '/teams';
    case 'team':
      return `/teams/${route.teamId}`;
    case 'integration':
      return `/integrations/${route.integrationId}`;
    case 'adminCache':
      return '/admin/cache';
    case 'monitor':
      return '/admin/monitor';
    case 'audit':
      return '/admin/audit';
    case 'users':
      return '/settings/users';
    case 'manageTeams':
      return '/settings/teams';
    case 'manageIntegrations':
      return '/settings/integrations';
    case 'account':
      return '/settings/account';
    case 'analytics':
      return '/admin/analytics';
    case 'notFound':
      return route.path;
  }
}

/** The document title of a route (pages with a name of their own refine it with `usePageTitle`). */
export function titleOf(route: Route): string {
  const titles: Record<Route['name'], string> = {
    login: 'Log in',
    resetPassword: 'Set a new password',
    teams: 'Teams',
    team: 'Team',
    integration: 'Integration',
    adminCache: 'Admin · Cache',
    monitor: 'Admin · Cache monitor',
    analytics: 'Admin · Cache analytics',
    audit: 'Admin · Audit log',
    users: 'Settings · Users',
    manageTeams: 'Settings · Teams',
    manageIntegrations: 'Settings · Integrations',
    account: 'Settings · My account',
    notFound: 'Not found',
  };
  return `${titles[route.name]} — AgileTrack`;
}

const location = createStore(typeof window === 'undefined' ? '/' : window.location.pathname);
if (typeof window !== 'undefined') window.addEventListener('popstate', () => location.set(window.location.pathname));

/** Goes to `path` (pushes a history entry; `replace` does not). */
export function navigate(path: string, replace = false): void {
  if (path === window.location.pathname) return;
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.scrollTo(0, 0);
  location.set(path);
}

/** The current path. */
export function usePath(): string {
  return useStore(location);
}
