/**
 * Password reset: an admin issues a one-time link (admins only, audited, shown once), the user
 * sets a new password through it without logging in; the link works once, expires, is replaced by
 * a newer one, and the user's sessions end. Passwords of spaces are refused everywhere.
 */
import { describe, expect, it } from 'vitest';
import { expectError, serverFor } from '../testing/api-helpers.ts';

describe('password reset links (embedded, fake clock)', () => {
  let clock = Date.now();
  const api = serverFor('embedded', { now: () => clock });

  const issue = (userId: number, as: 'admin' | 'alice' = 'admin') =>
    api.request({ method: 'POST', url: `/api/users/${userId}/password-reset`, as });
  const reset = (token: string, newPassword: string) =>
    api.request({ method: 'POST', url: '/api/auth/password-reset', as: null, payload: { token, newPassword } });
  const login = (password: string) =>
    api.request({
      method: 'POST',
      url: '/api/auth/login',
      as: null,
      payload: { email: 'alice@test.local', password },
      remoteAddress: `192.0.2.${Math.floor(Math.random() * 250)}`,
    });
  const tokenOf = (link: string) => new URL(link).hash.slice(1);

  it('issues a link an admin hands over; it sets the password once and ends the old sessions', async () => {
    const session = await login('alice-password-1');
    const cookie = String(session.headers['set-cookie']).split(';')[0]!;

    expectError(await issue(api.t.ids.alice, 'alice'), 403, 'E_FORBIDDEN');
    const issued = await issue(api.t.ids.alice);
    expect(issued.statusCode).toBe(201);
    const { link, expiresAt } = issued.json();
    expect(link).toMatch(/^http:\/\/[^/]+\/reset-password#[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - clock).toBe(24 * 3_600_000);

    expect((await reset(tokenOf(link), 'a new password 1')).statusCode).toBe(204);
    expect((await login('a new password 1')).statusCode).toBe(200);
    expect((await login('alice-password-1')).statusCode).toBe(401);
    // The session from before the reset is gone.
    const me = await api.request({ method: 'GET', url: '/api/me', as: null, headers: { cookie } });
    expect(me.statusCode).toBe(401);
    // Spent.
    expectError(await reset(tokenOf(link), 'another password 2'), 400, 'E_VALIDATION');

    // Audited (never the token).
    const audit = await api.request({ method: 'GET', url: `/api/admin/audit?entity=user&entityId=${api.t.ids.alice}` });
    const actions = audit.json().entries.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['user.password-reset.issue', 'user.password-reset.use']));
    expect(audit.body).not.toContain(tokenOf(link));
  });

  it('expires, is replaced by a newer link, and refuses forged tokens and whitespace passwords', async () => {
    const first = tokenOf((await issue(api.t.ids.alice)).json().link);
    const second = tokenOf((await issue(api.t.ids.alice)).json().link);
    expectError(await reset(first, 'replaced link 123'), 400, 'E_VALIDATION');
    expectError(await reset(second, ' '.repeat(10)), 400, 'E_VALIDATION');
    expectError(await reset(second, `   short   `), 400, 'E_VALIDATION');
    expectError(await reset('x'.repeat(43), 'forged token 123'), 400, 'E_VALIDATION');
    clock += 24 * 3_600_000 + 1;
    expectError(await reset(second, 'too late password'), 400, 'E_VALIDATION');
    expectError(await issue(987_654), 404, 'E_NOT_FOUND');
  });

  it("sets a password from the operator's command line: the old sessions end, the new password works", async () => {
    await api.t.server.deps.passwordResets.setPassword('Alice@test.local', 'operator set 123');
    const before = await login('operator set 123');
    expect(before.statusCode).toBe(200);
    await api.t.server.deps.passwordResets.setPassword('alice@test.local', 'operator set 456');
    const cookie = String(before.headers['set-cookie']).split(';')[0]!;
    expect((await api.request({ method: 'GET', url: '/api/me', as: null, headers: { cookie } })).statusCode).toBe(401);
    expect((await login('operator set 456')).statusCode).toBe(200);
  });

  it('refuses a password of spaces when creating a user or changing one', async () => {
    const created = await api.request({
      method: 'POST',
      url: '/api/users',
      payload: { email: 'spaces@test.local', name: 'Spaces', role: 'member', password: ' '.repeat(12) },
    });
    expectError(created, 400, 'E_VALIDATION');
    expect(created.json().error.message).toMatch(/password/);
    const changed = await api.request({
      method: 'POST',
      url: '/api/me/password',
      as: 'bob',
      payload: { currentPassword: 'bob-password-1', newPassword: ' '.repeat(10) },
    });
    expectError(changed, 400, 'E_VALIDATION');
  });
});
