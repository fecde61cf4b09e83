/**
 * The last-admin rule under concurrency (PostgreSQL, real parallel transactions): admins
 * demoting or deactivating themselves or each other at the same moment always leave at least one
 * active admin, and the losers get 409 `E_CONFLICT`, never a 500 (no deadlock).
 */
import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../db/schema.ts';
import { serverFor } from '../testing/api-helpers.ts';

describe('the last active admin (postgres)', () => {
  const api = serverFor('postgres');

  // `count` admins besides the seeded one's demotion: returns each one's id and bearer token.
  async function admins(count: number): Promise<{ id: number; token: string }[]> {
    const { accounts } = api.t.server.deps;
    const made: { id: number; token: string }[] = [];
    for (let i = 0; i < count; i++) {
      const id = await accounts.createUser({
        email: `admin-${Math.random()}@test.local`,
        name: `Admin ${i}`,
        password: 'admin-password-1',
        role: 'admin',
      });
      made.push({ id, token: await accounts.createApiToken(id, 'race') });
    }
    return made;
  }

  const patch = (token: string, userId: number, payload: Record<string, unknown>) =>
    api.t.server.app.inject({
      method: 'PATCH',
      url: `/api/users/${userId}`,
      headers: { authorization: `Bearer ${token}` },
      payload,
    });

  const activeAdmins = async () =>
    (
      await api.t.server.deps.db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, 'admin'), isNull(users.deactivatedAt)))
    ).length;

  it('8 admins demoting themselves at once leave one, 3 rounds; two demoting each other never deadlock', async () => {
    // Only the new admins are left to race: the seeded admin steps down first.
    const [first] = await admins(1);
    expect((await patch(first!.token, api.t.ids.admin, { role: 'member' })).statusCode).toBe(200);
    let standing = [first!];
    for (let round = 0; round < 3; round++) {
      const racers = [...standing, ...(await admins(8 - standing.length))];
      const answers = await Promise.all(
        racers.map((racer, i) => patch(racer.token, racer.id, i % 2 === 0 ? { role: 'member' } : { active: false })),
      );
      const statuses = answers.map((answer) => answer.statusCode).sort();
      expect(statuses, answers.map((a) => a.body).join('\n')).toEqual([...Array(7).fill(200), 409]);
      expect(await activeAdmins()).toBe(1);
      standing = racers.filter((_, i) => answers[i]!.statusCode === 409);
    }

    // Two admins demote each other (each one's audit entry names the other's row).
    const [a, b] = [standing[0]!, ...(await admins(1))];
    const crossed = await Promise.all([
      patch(a.token, b!.id, { role: 'member' }),
      patch(b!.token, a.id, { role: 'member' }),
    ]);
    // The loser is refused by the rule, or (demoted already) as a member.
    const [won, lost] = crossed.map((answer) => answer.statusCode).sort();
    expect(won).toBe(200);
    expect([403, 409]).toContain(lost);
    expect(await activeAdmins()).toBe(1);
  });

  it('two admins renaming each other at once both succeed (no deadlock on the audit log)', async () => {
    const [a, b] = await admins(2);
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all([
        patch(a!.token, b!.id, { name: `B ${round}` }),
        patch(b!.token, a!.id, { name: `A ${round}` }),
      ]);
      expect(
        answers.map((answer) => answer.statusCode),
        answers.map((x) => x.body).join('\n'),
      ).toEqual([200, 200]);
    }
  });
});
