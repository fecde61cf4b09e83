/**
 * Who is logged in. A reload renders at once for the user this browser remembers (so cached pages
 * need not wait for `/api/me`), then `/api/me` confirms it: a 401 clears that user's cached data,
 * another user switches namespaces. Logout clears the user's namespace in memory and localStorage.
 *
 * This module is part of the entry: it checks the session and logs in with plain `fetch`, and
 * loads the rest of the app (`signed-in.ts`: route table, caches, events) only when a user is, or
 * may be, logged in.
 */

import type { RememberedUser, UserCaches } from './browser-cache.ts';
import { ENTRY_ROUTES } from './entry-routes.ts';
import { createStore } from './store.ts';

type SignedIn = typeof import('./signed-in.ts');

/** The session as the UI sees it. */
export type SessionState =
  | { readonly kind: 'checking' }
  | { readonly kind: 'anonymous'; readonly notice?: string }
  | { readonly kind: 'user'; readonly user: RememberedUser; readonly caches: UserCaches };

/** The current session. */
export const session = createStore<SessionState>({ kind: 'checking' });

let closeEvents: (() => void) | undefined;
let signedIn: SignedIn | undefined;
let loading: Promise<SignedIn> | undefined;

/** The signed-in part of the app, imported once. */
function loadSignedIn(): Promise<SignedIn> {
  loading ??= import('./signed-in.ts').then(
    (loaded) => {
      loaded.setUnauthorizedHandler(() => {
        const current = session.get();
        if (current.kind === 'user') void leave(current.user.userId, 'Your session has ended. Please log in again.');
      });
      signedIn = loaded;
      return loaded;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/**
 * Whether this browser may remember a user: the browser caches (`browser-cache.ts`) keep all they
 * store in localStorage under `agiletrack_`. Without such a key there is nothing to render before
 * `/api/me` answers, and nothing to load for an anonymous visitor.
 */
function mayRemember(): boolean {
  try {
    for (let i = 0; i < localStorage.length; i++) if (localStorage.key(i)?.startsWith('agiletrack_')) return true;
  } catch {
    // Storage disabled: nothing is remembered.
  }
  return false;
}

function enter(app: SignedIn, user: RememberedUser): void {
  const current = session.get();
  if (current.kind === 'user' && current.user.userId === user.userId) {
    // Same user (a new name or role from /api/me): same caches, same event stream.
    if (current.user.name !== user.name || current.user.role !== user.role) session.set({ ...current, user });
    return;
  }
  closeEvents?.();
  const caches = app.cachesFor(user.userId);
  session.set({ kind: 'user', user, caches });
  closeEvents = app.startSignedIn(caches);
}

async function leave(userId: number | undefined, notice?: string): Promise<void> {
  closeEvents?.();
  closeEvents = undefined;
  // Leave the UI first: nothing may render this user's data while it is being removed.
  session.set({ kind: 'anonymous', ...(notice !== undefined && { notice }) });
  // Only the signed-in part stores anything: when it never loaded, there is nothing to remove.
  if (signedIn === undefined) return;
  await signedIn.forgetUser();
  if (userId !== undefined) await signedIn.clearUser(userId);
}

/** Starts the session at boot: the remembered user at once, then confirmed by `/api/me`. */
export async function startSession(): Promise<void> {
  // Asked at once, while the remembered user (if any) renders from the caches.
  const me = fetch(ENTRY_ROUTES.me, {
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'Cache-Control': 'max-age=0' },
  });
  me.catch(() => undefined);
  let remembered: RememberedUser | undefined;
  if (mayRemember()) {
    try {
      const app = await loadSignedIn();
      remembered = app.rememberedUser();
      if (remembered) enter(app, remembered);
    } catch {
      // The app's code could not load: /api/me decides below.
    }
  }
  let app: SignedIn;
  let confirmed: RememberedUser;
  try {
    const response = await me;
    if (response.status === 401) {
      await leave(remembered?.userId);
      return;
    }
    if (!response.ok) throw new Error(`GET /api/me answered ${response.status}`);
    const body: unknown = await response.json();
    app = await loadSignedIn();
    confirmed = app.toRemembered(body);
  } catch {
    // Offline or server down: keep showing what is cached for the remembered user.
    if (!remembered) session.set({ kind: 'anonymous', notice: 'The server cannot be reached.' });
    return;
  }
  if (remembered && remembered.userId !== confirmed.userId) await app.clearUser(remembered.userId);
  await app.rememberUser(confirmed);
  enter(app, confirmed);
}

/** The server's message in an error answer (`{error: {code, message}}`), else the status line. */
async function failureOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } } | null;
    if (typeof body?.error?.message === 'string') return body.error.message;
  } catch {
    // Not the API's error body (a proxy's error page).
  }
  return response.statusText || `request failed with status ${response.status}`;
}

/** Logs in; rejects with the server's message on bad credentials. */
export async function login(email: string, password: string): Promise<void> {
  const response = await fetch(ENTRY_ROUTES.login, {
    method: 'POST',
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(await failureOf(response));
  const body: unknown = await response.json();
  const app = await loadSignedIn();
  const user = app.toRemembered(body);
  await app.rememberUser(user);
  enter(app, user);
}

/** Logs out on the server and removes every cached entry of the user from this browser. */
export async function logout(): Promise<void> {
  const current = session.get();
  const userId = current.kind === 'user' ? current.user.userId : undefined;
  try {
    await (await loadSignedIn()).call('auth.logout');
  } finally {
    await leave(userId);
  }
}
