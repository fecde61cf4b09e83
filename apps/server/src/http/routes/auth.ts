/** POST /api/auth/login · POST /api/auth/logout · GET /api/me */
import { LoginBody } from '@agiletrack/domain';
import type { FastifyPluginAsync } from 'fastify';
import { clearSessionCookie, sessionCookie, setSessionCookie } from '../credentials.ts';
import type { AppDeps } from '../deps.ts';
import { principalOf } from '../guards.ts';
import { parse } from '../validation.ts';

/** Session login with an httpOnly cookie; the token in the body is for scripts that store it. */
export const authRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.post('/api/auth/login', async (request, reply) => {
      const body = parse(LoginBody, request.body);
      const { token, principal } = await deps.accounts.login(body.email, body.password, request.ip);
      const secure =
        deps.config.COOKIE_SECURE === 'auto' ? request.protocol === 'https' : deps.config.COOKIE_SECURE === 'true';
      setSessionCookie(reply, token, { secure, maxAgeS: Math.floor(deps.config.SESSION_TTL_MS / 1000) });
      return { user: principal };
    });

    app.post('/api/auth/logout', async (request, reply) => {
      const token = sessionCookie(request);
      if (token) await deps.accounts.logout(token);
      clearSessionCookie(reply);
      return reply.code(204).send();
    });

    app.get('/api/me', async (request) => ({ user: principalOf(request) }));
  };
