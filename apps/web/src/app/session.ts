/**
 * Who is logged in. A reload renders at once for the user this browser remembers (so cached pages
 * need not wait for `/api/me`), then `/api/me` confirms it: a 401 clears that user's cached data,
 * another user switches namespaces. Logout clears the user's namespace in memory and localStorage.
 */

import { PrincipalBody, routeUrl } from '@agiletrack/domain';
import { call, setUnauthorizedHandler } from './api.ts';
import {
  cachesFor,
  clearUser,
  forgetUser,
  type RememberedUser,
  rememberedUser,
  rememberUser,
  type UserCaches,
} from './browser-cache.ts';
import { startClientReports } from './client-report.ts';
import { connectEvents } from './live.ts';
import { preloadAfterLogin } from './preload.ts';
import { createStore } from './store.ts';

/** The session as the UI sees it. */
export type SessionState =
  | { readonly kind: 'checking' }
  | { readonly kind: 'anonymous'; readonly notice?: string }
  | { readonly kind: 'user'; readonly user: RememberedUser; readonly caches: UserCaches };

/** The current session. */
export const session = createStore<SessionState>({ kind: 'checking' });

let closeEvents: (() => void) | undefined;

function enter(user: RememberedUser): void {
  const current = session.get();
  if (current.kind === 'user' && current.user.userId === user.userId) {
    // Same user (a new name or role from /api/me): same caches, same event stream.
    if (current.user.name !== user.name || current.user.role !== user.role) session.set({ ...current, user });
    return;
  }
  closeEvents?.();
  const caches = cachesFor(user.userId);
  session.set({ kind: 'user', user, caches });
  const closeStream = connectEvents(caches);
  const stopReports = startClientReports();
  closeEvents = () => {
    closeStream();
    stopReports();
  };
  void preloadAfterLogin(caches);
}

async function leave(userId: number | undefined, notice?: string): Promise<void> {
  closeEvents?.();
  closeEvents = undefined;
  // Leave the UI first: nothing may render this user's data while it is being removed.
  session.set({ kind: 'anonymous', ...(notice !== undefined && { notice }) });
  await forgetUser();
  if (userId !== undefined) await clearUser(userId);
}

const toRemembered = (body: unknown): RememberedUser => {
  const { user: principal } = PrincipalBody.parse(body);
  return { userId: principal.userId, name: principal.name, role: principal.role };
};

/** Starts the session at boot: the remembered user at once, then confirmed by `/api/me`. */
export async function startSession(): Promise<void> {
  setUnauthorizedHandler(() => {
    const current = session.get();
    if (current.kind === 'user') void leave(current.user.userId, 'Your session has ended. Please log in again.');
  });
  const remembered = rememberedUser();
  if (remembered) enter(remembered);
  let confirmed: RememberedUser;
  try {
    const response = await fetch(routeUrl('me.get'), {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Cache-Control': 'max-age=0' },
    });
    if (response.status === 401) {
      await leave(remembered?.userId);
      return;
    }
    if (!response.ok) throw new Error(`GET /api/me answered ${response.status}`);
    confirmed = toRemembered(await response.json());
  } catch {
    // Offline or server down: keep showing what is cached for the remembered user.
    if (!remembered) session.set({ kind: 'anonymous', notice: 'The server cannot be reached.' });
    return;
  }
  if (remembered && remembered.userId !== confirmed.userId) await clearUser(remembered.userId);
  await rememberUser(confirmed);
  enter(confirmed);
}

/** Logs in; rejects with the server's message on bad credentials. */
export async function login(email: string, password: string): Promise<void> {
  const body = await call('auth.login', { body: { email, password } });
  const user = toRemembered(body);
  await rememberUser(user);
  enter(user);
}

/** Logs out on the server and removes every cached entry of the user from this browser. */
export async function logout(): Promise<void> {
  const current = session.get();
  const userId = current.kind === 'user' ? current.user.userId : undefined;
  try {
    await call('auth.logout');
  } finally {
    await leave(userId);
  }
}
