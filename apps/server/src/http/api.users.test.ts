/** User administration (admins), the caller's password and API tokens, in the three configurations. */
import { CreatedTokenBody, CreatedUserBody, TokenPage, UserBody, UserPage } from '@agiletrack/domain';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { expectError, serverFor } from '../testing/api-helpers.ts';
import { TEST_MODES } from '../testing/harness.ts';

// What a browser sends with the dashboard's own requests (cookie-authenticated writes need it).
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

let unique = 0;
const emailFor = (label: string) => `${label}-${++unique}-${Math.random().toString(36).slice(2, 8)}@test.local`;

describe.each(TEST_MODES)('users, password and tokens (%s)', (mode) => {
  const api = serverFor(mode);

  const login = async (email: string, password: string): Promise<LightMyRequestResponse> =>
    api.t.server.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password },
      headers: SAME_ORIGIN,
    });
  const cookieOf = (response: LightMyRequestResponse): string => {
    const cookie = response.cookies.find((c) => c.name === 'agiletrack_session');
    if (!cookie) throw new Error(`no session cookie (status ${response.statusCode})`);
    return `agiletrack_session=${cookie.value}`;
  };
  const withCookie = (cookie: string, options: { method: 'GET' | 'POST'; url: string; payload?: unknown }) =>
    api.t.server.app.inject({ ...options, headers: { cookie, ...SAME_ORIGIN } } as never);
  const bearer = (secret: string, url = '/api/me') =>
    api.t.server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } });

  async function createUser(body: Record<string, unknown>) {
    const response = await api.request({ method: 'POST', url: '/api/users', payload: body });
    expect(response.statusCode).toBe(201);
    return CreatedUserBody.parse(response.json());
  }

  describe('the last admin', () => {
    it('cannot be demoted or deactivated (409), so the installation keeps an admin', async () => {
      const url = `/api/users/${api.t.ids.admin}`;
      expectError(await api.request({ method: 'PATCH', url, payload: { role: 'member' } }), 409, 'E_CONFLICT');
      expectError(await api.request({ method: 'DELETE', url }), 409, 'E_CONFLICT');
      const me = await api.request({ method: 'GET', url: '/api/me' });
      expect(me.json().user.role).toBe('admin');
    });
  });

  describe('GET /api/users', () => {
    it('lists users for an admin, never a password hash', async () => {
      const response = await api.request({ method: 'GET', url: '/api/users' });
      expect(response.statusCode).toBe(200);
      const page = UserPage.parse(response.json());
      expect(page.users.map((u) => u.email)).toEqual(expect.arrayContaining(['admin@test.local', 'alice@test.local']));
      const alice = page.users.find((u) => u.email === 'alice@test.local')!;
      expect(alice).toMatchObject({ role: 'member', active: true, teamIds: [api.t.ids.teamA], deactivatedAt: null });
      expect(response.body).not.toMatch(/password|scrypt/i);
    });

    it('pages with an opaque cursor and a limit, and filters by name or e-mail', async () => {
      const first = UserPage.parse((await api.request({ method: 'GET', url: '/api/users?limit=2' })).json());
      expect(first.users).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = UserPage.parse(
        (await api.request({ method: 'GET', url: `/api/users?limit=2&cursor=${first.nextCursor}` })).json(),
      );
      expect(second.users.length).toBeGreaterThan(0);
      const ids = [...first.users, ...second.users].map((u) => u.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(Math.min(...second.users.map((u) => u.id))).toBeGreaterThan(Math.max(...first.users.map((u) => u.id)));
      const found = UserPage.parse((await api.request({ method: 'GET', url: '/api/users?q=ALIC' })).json());
      expect(found.users.map((u) => u.email)).toEqual(['alice@test.local']);
    });

    it.each([
      ['a forged cursor', '/api/users?cursor=abc'],
      ['a zero limit', '/api/users?limit=0'],
      ['a limit over the maximum', '/api/users?limit=100000'],
      ['an unknown filter value', '/api/users?active=maybe'],
    ])('rejects %s with 400', async (_label, url) => {
      expectError(await api.request({ method: 'GET', url }), 400, 'E_VALIDATION');
    });

    it('is 401 anonymous and 403 for a member', async () => {
      expectError(await api.request({ method: 'GET', url: '/api/users', as: null }), 401, 'E_UNAUTHENTICATED');
      expectError(await api.request({ method: 'GET', url: '/api/users', as: 'alice' }), 403, 'E_FORBIDDEN');
    });
  });

  describe('POST /api/users', () => {
    it('creates a user with a generated password, shown once, that logs in', async () => {
      const email = emailFor('generated');
      const created = await createUser({ email, name: 'Gen Erated', role: 'member' });
      expect(created.user).toMatchObject({ email, name: 'Gen Erated', role: 'member', active: true, teamIds: [] });
      expect(created.password).toMatch(/^\S{12,}$/);
      expect((await login(email, created.password!)).statusCode).toBe(200);
      const again = UserBody.parse((await api.request({ method: 'GET', url: `/api/users/${created.user.id}` })).json());
      expect(JSON.stringify(again)).not.toContain(created.password);
    });

    it('creates a user with a chosen password (not echoed); an e-mail in use is 409', async () => {
      const email = emailFor('chosen');
      const created = await createUser({
        email: email.toUpperCase(),
        name: 'Cho Sen',
        role: 'admin',
        password: 'a-chosen-password',
      });
      expect(created).toEqual({ user: expect.objectContaining({ email, role: 'admin' }) });
      expect((await login(email, 'a-chosen-password')).statusCode).toBe(200);
      expectError(
        await api.request({ method: 'POST', url: '/api/users', payload: { email, name: 'Twin', role: 'member' } }),
        409,
        'E_CONFLICT',
      );
    });

    it.each([
      ['no body', undefined],
      ['a bad e-mail', { email: 'nope', name: 'X', role: 'member' }],
      ['an unknown role', { email: 'x@test.local', name: 'X', role: 'owner' }],
      ['a short password', { email: 'x@test.local', name: 'X', role: 'member', password: 'short' }],
      ['an unknown field', { email: 'x@test.local', name: 'X', role: 'member', admin: true }],
    ])('rejects %s with 400', async (_label, payload) => {
      expectError(
        await api.request({ method: 'POST', url: '/api/users', ...(payload !== undefined && { payload }) }),
        400,
        'E_VALIDATION',
      );
    });

    it('is 403 for a member', async () => {
      const payload = { email: emailFor('intruder'), name: 'I', role: 'admin' };
      expectError(await api.request({ method: 'POST', url: '/api/users', payload, as: 'alice' }), 403, 'E_FORBIDDEN');
    });
  });

  describe('GET|PATCH|DELETE /api/users/:userId', () => {
    it('reads one user; unknown is 404, a bad id 400, a member 403', async () => {
      const alice = await api.request({ method: 'GET', url: `/api/users/${api.t.ids.alice}` });
      expect(UserBody.parse(alice.json()).user.email).toBe('alice@test.local');
      expectError(await api.request({ method: 'GET', url: '/api/users/987654' }), 404, 'E_NOT_FOUND');
      expectError(await api.request({ method: 'GET', url: '/api/users/abc' }), 400, 'E_INVALID_ID');
      expectError(
        await api.request({ method: 'GET', url: `/api/users/${api.t.ids.alice}`, as: 'alice' }),
        403,
        'E_FORBIDDEN',
      );
    });

    it('changes a role, which the user holds from their next request', async () => {
      const email = emailFor('promoted');
      const { user } = await createUser({ email, name: 'Pro Moted', role: 'member', password: 'promoted-password' });
      const cookie = cookieOf(await login(email, 'promoted-password'));
      expect((await withCookie(cookie, { method: 'GET', url: '/api/me' })).json().user.role).toBe('member');
      expectError(await withCookie(cookie, { method: 'GET', url: '/api/users' }), 403, 'E_FORBIDDEN');
      const patched = await api.request({
        method: 'PATCH',
        url: `/api/users/${user.id}`,
        payload: { role: 'admin', name: 'Now Admin' },
      });
      expect(UserBody.parse(patched.json()).user).toMatchObject({ role: 'admin', name: 'Now Admin' });
      expect((await withCookie(cookie, { method: 'GET', url: '/api/users' })).statusCode).toBe(200);
    });

    it('deactivates a user: their session and token fail at once, login is refused; reactivation restores login', async () => {
      const email = emailFor('leaver');
      const { user } = await createUser({ email, name: 'Lea Ver', role: 'member', password: 'leaver-password' });
      const cookie = cookieOf(await login(email, 'leaver-password'));
      const token = CreatedTokenBody.parse(
        (await withCookie(cookie, { method: 'POST', url: '/api/me/tokens', payload: { name: 'ci' } })).json(),
      );
      expect((await bearer(token.secret)).statusCode).toBe(200);
      expect((await withCookie(cookie, { method: 'GET', url: '/api/me' })).statusCode).toBe(200);

      const gone = await api.request({ method: 'DELETE', url: `/api/users/${user.id}` });
      expect(gone.statusCode).toBe(204);
      expectError(await bearer(token.secret), 401, 'E_UNAUTHENTICATED');
      expectError(await withCookie(cookie, { method: 'GET', url: '/api/me' }), 401, 'E_UNAUTHENTICATED');
      expectError(await login(email, 'leaver-password'), 401, 'E_UNAUTHENTICATED');
      const listed = UserBody.parse((await api.request({ method: 'GET', url: `/api/users/${user.id}` })).json());
      expect(listed.user).toMatchObject({ active: false, deactivatedAt: expect.any(String) });
      const inactive = UserPage.parse((await api.request({ method: 'GET', url: '/api/users?active=false' })).json());
      expect(inactive.users.map((u) => u.id)).toContain(user.id);

      await api.request({ method: 'PATCH', url: `/api/users/${user.id}`, payload: { active: true } });
      expect((await login(email, 'leaver-password')).statusCode).toBe(200);
      expect((await bearer(token.secret)).statusCode).toBe(200);
    });

    it('rejects an empty or unknown change with 400, an unknown user with 404, a member with 403', async () => {
      const url = `/api/users/${api.t.ids.bob}`;
      expectError(await api.request({ method: 'PATCH', url, payload: {} }), 400, 'E_VALIDATION');
      expectError(await api.request({ method: 'PATCH', url, payload: { password: 'x' } }), 400, 'E_VALIDATION');
      expectError(
        await api.request({ method: 'PATCH', url: '/api/users/987654', payload: { name: 'X' } }),
        404,
        'E_NOT_FOUND',
      );
      expectError(await api.request({ method: 'DELETE', url: '/api/users/987654' }), 404, 'E_NOT_FOUND');
      expectError(
        await api.request({ method: 'PATCH', url, payload: { role: 'admin' }, as: 'bob' }),
        403,
        'E_FORBIDDEN',
      );
      expectError(await api.request({ method: 'DELETE', url, as: 'alice' }), 403, 'E_FORBIDDEN');
      expectError(await api.request({ method: 'DELETE', url, as: null }), 401, 'E_UNAUTHENTICATED');
    });
  });

  describe('POST /api/me/password', () => {
    it("changes the password and ends the user's other sessions, keeping the one that asked", async () => {
      const email = emailFor('rotator');
      await createUser({ email, name: 'Ro Tator', role: 'member', password: 'first-password' });
      const here = cookieOf(await login(email, 'first-password'));
      const elsewhere = cookieOf(await login(email, 'first-password'));
      expect((await withCookie(elsewhere, { method: 'GET', url: '/api/me' })).statusCode).toBe(200);

      const changed = await withCookie(here, {
        method: 'POST',
        url: '/api/me/password',
        payload: { currentPassword: 'first-password', newPassword: 'second-password' },
      });
      expect(changed.statusCode).toBe(204);
      expect((await withCookie(here, { method: 'GET', url: '/api/me' })).statusCode).toBe(200);
      expectError(await withCookie(elsewhere, { method: 'GET', url: '/api/me' }), 401, 'E_UNAUTHENTICATED');
      expectError(await login(email, 'first-password'), 401, 'E_UNAUTHENTICATED');
      expect((await login(email, 'second-password')).statusCode).toBe(200);
    });

    it('refuses a wrong current password or a weak new one (400), and anonymous callers (401)', async () => {
      const url = '/api/me/password';
      expectError(
        await api.request({
          method: 'POST',
          url,
          as: 'bob',
          payload: { currentPassword: 'wrong', newPassword: 'long-enough-1' },
        }),
        400,
        'E_VALIDATION',
      );
      expectError(
        await api.request({
          method: 'POST',
          url,
          as: 'bob',
          payload: { currentPassword: 'bob-password-1', newPassword: 'short' },
        }),
        400,
        'E_VALIDATION',
      );
      expectError(
        await api.request({
          method: 'POST',
          url,
          as: null,
          payload: { currentPassword: 'x', newPassword: 'long-enough-1' },
        }),
        401,
        'E_UNAUTHENTICATED',
      );
      expect((await login('bob@test.local', 'bob-password-1')).statusCode).toBe(200);
    });
  });

  describe('API tokens', () => {
    it('creates a token shown once, lists it with its last use, and revokes it: the next use is 401', async () => {
      const created = await api.request({
        method: 'POST',
        url: '/api/me/tokens',
        as: 'bob',
        payload: { name: 'deploy' },
      });
      expect(created.statusCode).toBe(201);
      const { token, secret } = CreatedTokenBody.parse(created.json());
      expect(token).toMatchObject({ name: 'deploy', lastUsedAt: null, expiresAt: null });
      expect((await bearer(secret)).json().user.email).toBe('bob@test.local');

      const list = TokenPage.parse((await api.request({ method: 'GET', url: '/api/me/tokens', as: 'bob' })).json());
      const listed = list.tokens.find((t) => t.id === token.id)!;
      expect(listed.lastUsedAt).toEqual(expect.any(String));
      expect(JSON.stringify(list)).not.toContain(secret);
      // Other users do not see it.
      const alices = TokenPage.parse((await api.request({ method: 'GET', url: '/api/me/tokens', as: 'alice' })).json());
      expect(alices.tokens.map((t) => t.id)).not.toContain(token.id);

      expectError(
        await api.request({ method: 'DELETE', url: `/api/me/tokens/${token.id}`, as: 'alice' }),
        404,
        'E_NOT_FOUND',
      );
      expect((await bearer(secret)).statusCode).toBe(200);
      const revoked = await api.request({ method: 'DELETE', url: `/api/me/tokens/${token.id}`, as: 'bob' });
      expect(revoked.statusCode).toBe(204);
      expectError(await bearer(secret), 401, 'E_UNAUTHENTICATED');
      expectError(
        await api.request({ method: 'DELETE', url: `/api/me/tokens/${token.id}`, as: 'bob' }),
        404,
        'E_NOT_FOUND',
      );
    });

    it('refuses a token past its expiry', async () => {
      const created = CreatedTokenBody.parse(
        (
          await api.request({
            method: 'POST',
            url: '/api/me/tokens',
            as: 'alice',
            payload: { name: 'short', expiresInDays: 1 },
          })
        ).json(),
      );
      expect(Date.parse(created.token.expiresAt!)).toBeGreaterThan(Date.now());
      await api.t.server.deps.database.sql.query(
        `UPDATE "${api.t.schema}".api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [created.token.id],
      );
      expectError(await bearer(created.secret), 401, 'E_UNAUTHENTICATED');
    });

    it('pages the list and validates input', async () => {
      for (const name of ['p1', 'p2']) {
        await api.request({ method: 'POST', url: '/api/me/tokens', as: 'alice', payload: { name } });
      }
      const first = TokenPage.parse(
        (await api.request({ method: 'GET', url: '/api/me/tokens?limit=1', as: 'alice' })).json(),
      );
      expect(first.tokens).toHaveLength(1);
      const rest = TokenPage.parse(
        (await api.request({ method: 'GET', url: `/api/me/tokens?cursor=${first.nextCursor}`, as: 'alice' })).json(),
      );
      expect(rest.tokens.map((t) => t.id)).not.toContain(first.tokens[0]!.id);
      expectError(
        await api.request({ method: 'POST', url: '/api/me/tokens', as: 'alice', payload: { name: '' } }),
        400,
        'E_VALIDATION',
      );
      expectError(
        await api.request({
          method: 'POST',
          url: '/api/me/tokens',
          as: 'alice',
          payload: { name: 'x', expiresInDays: 0 },
        }),
        400,
        'E_VALIDATION',
      );
      expectError(await api.request({ method: 'GET', url: '/api/me/tokens?page=2', as: 'alice' }), 400, 'E_VALIDATION');
      expectError(await api.request({ method: 'DELETE', url: '/api/me/tokens/x', as: 'alice' }), 400, 'E_INVALID_ID');
      expectError(await api.request({ method: 'GET', url: '/api/me/tokens', as: null }), 401, 'E_UNAUTHENTICATED');
    });
  });
});
