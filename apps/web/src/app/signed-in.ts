/**
 * What a session needs beyond the first screen: the API client with the route table, the browser
 * caches, the event stream, client reports and preloading. `session.ts` imports this module when
 * someone is (or may be) logged in, so the login page downloads none of it.
 */
import { PrincipalBody } from '@agiletrack/domain';
import type { RememberedUser, UserCaches } from './browser-cache.ts';
import { startClientReports } from './client-report.ts';
import { connectEvents } from './live.ts';
import { preloadAfterLogin } from './preload.ts';

export { call, setUnauthorizedHandler } from './api.ts';
export { cachesFor, clearUser, forgetUser, rememberedUser, rememberUser } from './browser-cache.ts';

/** The user a principal answer (`/api/me`, login) names, checked with the route's schema. */
export function toRemembered(body: unknown): RememberedUser {
  const { user: principal } = PrincipalBody.parse(body);
  return { userId: principal.userId, name: principal.name, role: principal.role };
}

/** Starts what runs while `caches`' user is logged in (events, reports, preloading); returns its stop. */
export function startSignedIn(caches: UserCaches): () => void {
  const closeStream = connectEvents(caches);
  const stopReports = startClientReports();
  void preloadAfterLogin(caches);
  return () => {
    closeStream();
    stopReports();
  };
}
