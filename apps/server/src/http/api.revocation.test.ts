/**
 * Revocations hold on every instance: a token revoked, a user deactivated or a role changed on
 * instance 1 applies on instance 2 as soon as the invalidation message has arrived — milliseconds,
 * not the principal's one-minute TTL — although instance 2 had the principal in its L1.
 */
import { CreatedTokenBody } from '@agiletrack/domain';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, until } from '../testing/api-helpers.ts';
import { startTestServer, TEST_MODES, type TestServer } from '../testing/harness.ts';

const SHARED_MODES = TEST_MODES.filter((mode) => mode !== 'embedded');

describe.each(SHARED_MODES)('revocation across instances (%s)', (mode) => {
  let one: TestServer;
  let two: TestServer;
  let counter = 0;

  const baseline = { published: 0, received: 0 };

  beforeAll(async () => {
    one = await startTestServer(mode);
    two = await startTestServer(mode, { join: one });
    // Instance 1 published while seeding, before instance 2 listened: count from here.
    baseline.published = one.server.deps.serverCache.cache.stats().bus.published;
    baseline.received = two.server.deps.serverCache.cache.stats().bus.received;
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  const asBearer = (t: TestServer, secret: string): Promise<LightMyRequestResponse> =>
    t.server.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${secret}` } });

  /**
   * Waits until instance 2 has received every invalidation instance 1 published (Redis pub/sub or
   * PostgreSQL NOTIFY: milliseconds), never for a TTL.
   */
  async function delivered(): Promise<void> {
    const published = () => one.server.deps.serverCache.cache.stats().bus.published - baseline.published;
    const received = () => two.server.deps.serverCache.cache.stats().bus.received - baseline.received;
    await until(() => received() >= published(), 5_000, "instance 1's invalidations to reach instance 2");
  }

  async function userWithToken(): Promise<{ id: number; secret: string; tokenId: number; email: string }> {
    const email = `revoked-${++counter}-${Date.now()}@test.local`;
    const created = await one.request({
      method: 'POST',
      url: '/api/users',
      payload: { email, name: 'Re Voked', role: 'member', password: 'revoked-password' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().user.id as number;
    const login = await one.server.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: 'revoked-password' },
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    const cookie = login.cookies.find((c) => c.name === 'agiletrack_session')!;
    const token = await one.server.app.inject({
      method: 'POST',
      url: '/api/me/tokens',
      headers: { cookie: `agiletrack_session=${cookie.value}`, 'sec-fetch-site': 'same-origin' },
      payload: { name: 'ci' },
    });
    const { secret, token: view } = CreatedTokenBody.parse(token.json());
    // Instance 2 now holds the principal in its L1.
    expect((await asBearer(two, secret)).statusCode).toBe(200);
    expect((await asBearer(two, secret)).statusCode).toBe(200);
    return { id, secret, tokenId: view.id, email };
  }

  it('refuses a token on instance 2 once instance 1 has revoked it', async () => {
    const user = await userWithToken();
    const revoke = await one.server.app.inject({
      method: 'DELETE',
      url: `/api/me/tokens/${user.tokenId}`,
      headers: { authorization: `Bearer ${user.secret}` },
    });
    expect(revoke.statusCode).toBe(204);
    await delivered();
    expectError(await asBearer(two, user.secret), 401, 'E_UNAUTHENTICATED');
  });

  it('refuses a deactivated user on instance 2 once the message has arrived', async () => {
    const user = await userWithToken();
    expect((await one.request({ method: 'DELETE', url: `/api/users/${user.id}` })).statusCode).toBe(204);
    await delivered();
    expectError(await asBearer(two, user.secret), 401, 'E_UNAUTHENTICATED');
  });

  it('applies a role change made on instance 1 to the next request on instance 2', async () => {
    const user = await userWithToken();
    await one.request({ method: 'PATCH', url: `/api/users/${user.id}`, payload: { role: 'admin' } });
    await delivered();
    expect((await asBearer(two, user.secret)).json().user.role).toBe('admin');
  });
});
