/** Logging in and out. */
import { clearSessionCookie, sessionCookie, setSessionCookie } from '../credentials.ts';
import type { AppDeps } from '../deps.ts';
import type { HandlersOf } from '../routing.ts';

/** Session login with an httpOnly cookie; the token in the body is for scripts that store it. */
export function authRoutes(deps: AppDeps): HandlersOf<'auth'> {
  return {
    'auth.login': async ({ request, reply, body }) => {
      const { token, principal } = await deps.accounts.login(body.email, body.password, request.ip);
      const secure =
        deps.config.COOKIE_SECURE === 'auto' ? request.protocol === 'https' : deps.config.COOKIE_SECURE === 'true';
      setSessionCookie(reply, token, { secure, maxAgeS: Math.floor(deps.config.SESSION_TTL_MS / 1000) });
      return { user: principal };
    },

    'auth.resetPassword': async ({ request, body }) => {
      await deps.passwordResets.consume(body.token, body.newPassword, request.ip);
    },

    'auth.logout': async ({ request, reply }) => {
      const token = sessionCookie(request);
      if (token) await deps.accounts.logout(token);
      clearSessionCookie(reply);
    },
  };
}
