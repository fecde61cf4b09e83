/**
 * Principal lookups while PostgreSQL is down (a private PostgreSQL, stopped by the test; the
 * cache on a fake clock): a cached identity past its minute still authenticates from its grace
 * copy, but never past its session's expiry, and never once it was revoked.
 */
import { createCache } from '@agiletrack/cache';
import { createFakeClock } from '@agiletrack/cache/testing';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../testing/private-postgres.ts';
import { Accounts, digest } from './accounts.ts';

const SESSION_TTL_MS = 180_000;

describe('principal lookups during a database outage', () => {
  let pgServer: PrivatePostgres;
  let database: Database;

  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    database = await openDatabase({ url: pgServer.url });
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    await pgServer?.remove();
  });

  it('authenticates from the grace copy until the session ends, and a revoked token not at all', async () => {
    const clock = createFakeClock(Date.now());
    const cache = createCache({ tiers: [memoryTier()], clock, sweepInterval: 0 });
    const accounts = new Accounts(database.drizzle(), cache, SESSION_TTL_MS, clock.now);
    const userId = await accounts.createUser({
      email: 'admin@test.local',
      name: 'Admin',
      password: 'admin-password-1',
      role: 'admin',
    });
    const token = await accounts.createApiToken(userId, 'kept');
    const revoked = await accounts.createApiToken(userId, 'revoked during the outage');
    const { token: session } = await accounts.login('admin@test.local', 'admin-password-1');
    for (const lookup of [
      accounts.fromApiToken(token),
      accounts.fromApiToken(revoked),
      accounts.fromSession(session),
    ]) {
      expect(await lookup).toMatchObject({ userId, role: 'admin' });
    }

    // A minute and more later, the database is down: the copies are past their freshness.
    clock.advance(61_000);
    await pgServer.stop();
    expect(await accounts.fromApiToken(token)).toMatchObject({ userId });
    expect(await accounts.fromSession(session)).toMatchObject({ userId });

    // A revoked token's copy is removed at once (on every instance, through the bus).
    await accounts.dropToken(digest(revoked));
    await expect(accounts.fromApiToken(revoked)).rejects.toThrow();

    // No copy outlives its session.
    clock.advance(SESSION_TTL_MS);
    await expect(accounts.fromSession(session)).rejects.toThrow();
    expect(await accounts.fromApiToken(token)).toMatchObject({ userId });
    await cache.close();
  });
});
