import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';

describe('accounts', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('embedded');
  });
  afterAll(() => t?.close());

  it('caches who a token belongs to, and serves the user row from the Drizzle query cache', async () => {
    const { accounts, serverCache } = t.server.deps;
    await serverCache.auth.clear();
    await serverCache.cache.namespace('db').clear();
    const cold = t.queries();
    await accounts.fromApiToken(t.tokens.alice);
    const first = t.queries() - cold; // token, user, memberships
    const warm = t.queries();
    await accounts.fromApiToken(t.tokens.alice);
    expect(t.queries() - warm).toBe(0); // the principal itself is cached
    await serverCache.auth.clear();
    const again = t.queries();
    const principal = await accounts.fromApiToken(t.tokens.alice);
    expect(t.queries() - again).toBe(first - 1); // the user row came from the query cache
    expect(principal?.teamIds).toEqual([t.ids.teamA]);
  });

  it('sees a membership change at once (memberships are never read from the query cache)', async () => {
    const { teams, accounts } = t.server.deps;
    const team = await teams.createTeam({ name: 'Accounts test team', memberIds: [t.ids.bob] });
    expect((await accounts.fromApiToken(t.tokens.bob))?.teamIds).toContain(team.id);
    await teams.updateTeam(team.id, { memberIds: [] });
    expect((await accounts.fromApiToken(t.tokens.bob))?.teamIds).not.toContain(team.id);
  });

  it('refuses tokens of the wrong shape without a query', async () => {
    const before = t.queries();
    expect(await t.server.deps.accounts.fromApiToken('short')).toBeUndefined();
    expect(await t.server.deps.accounts.fromSession('x'.repeat(43) + '!')).toBeUndefined();
    expect(t.queries()).toBe(before);
  });
});
