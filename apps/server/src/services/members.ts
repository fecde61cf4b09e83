/**
 * A team's members by name and e-mail: list, add by e-mail, remove. Each change updates the
 * team's cached entries and the member's cached principal like any team change.
 */
import type { TeamMember } from '@agiletrack/domain';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { teamMembers, teams, users } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import type { Accounts } from './accounts.ts';
import { type Actor, recordAudit } from './audit.ts';
import type { Invalidator } from './invalidation.ts';
import { type PageRequest, type PageResult, toPage } from './page.ts';
import { inTransaction } from './read-options.ts';

/** See the file comment. */
export class MemberService {
  constructor(
    readonly db: AppDb,
    readonly accounts: Accounts,
    readonly invalidator: Invalidator,
  ) {}

  /** One page of a team's members, by user id. The team must exist. */
  async list(teamId: number, page: PageRequest): Promise<PageResult<TeamMember>> {
    await this.#team(this.db, teamId);
    const rows = await this.db
      .select({ userId: users.id, name: users.name, email: users.email, deactivatedAt: users.deactivatedAt })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(and(eq(teamMembers.teamId, teamId), page.after === undefined ? undefined : gt(users.id, page.after)))
      .orderBy(asc(users.id))
      .limit(page.limit + 1);
    const result = toPage(rows, page, (row) => row.userId);
    return {
      items: result.items.map(({ deactivatedAt, ...member }) => ({ ...member, active: deactivatedAt === null })),
      nextCursor: result.nextCursor,
    };
  }

  /** Adds the user with this e-mail to the team. */
  async add(teamId: number, email: string, actor: Actor): Promise<TeamMember> {
    const member = await inTransaction(this.db, async (tx) => {
      await this.#team(tx, teamId);
      const [user] = await tx.select().from(users).where(eq(users.email, email.toLowerCase()));
      if (!user) throw notFound(`a user with the e-mail ${email}`);
      const inserted = await tx
        .insert(teamMembers)
        .values({ teamId, userId: user.id })
        .onConflictDoNothing()
        .returning();
      if (inserted.length === 0) throw new AppError('E_CONFLICT', `${email} is already a member of this team`);
      await tx.update(teams).set({ updatedAt: new Date() }).where(eq(teams.id, teamId));
      await recordAudit(tx, actor, {
        action: 'team.member.add',
        entity: 'team_member',
        entityId: `${teamId}:${user.id}`,
        after: { teamId, userId: user.id, email: user.email },
      });
      return { userId: user.id, name: user.name, email: user.email, active: user.deactivatedAt === null };
    });
    await this.#changed(teamId, member.userId);
    return member;
  }

  /** Removes a user from the team; 404 when they are not a member. */
  async remove(teamId: number, userId: number, actor: Actor): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await this.#team(tx, teamId);
      const removed = await tx
        .delete(teamMembers)
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
        .returning();
      if (removed.length === 0) throw notFound(`member ${userId} of team ${teamId}`);
      await tx.update(teams).set({ updatedAt: new Date() }).where(eq(teams.id, teamId));
      await recordAudit(tx, actor, {
        action: 'team.member.remove',
        entity: 'team_member',
        entityId: `${teamId}:${userId}`,
        before: { teamId, userId },
      });
    });
    await this.#changed(teamId, userId);
  }

  async #changed(teamId: number, userId: number): Promise<void> {
    // The member's principal first: the team event is filtered by who may see it.
    await this.accounts.forget([userId]);
    await this.invalidator.after({ type: 'team.updated', teamId });
  }

  async #team(db: AppDb, teamId: number): Promise<void> {
    const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId));
    if (!team) throw notFound(`team ${teamId}`);
  }
}
