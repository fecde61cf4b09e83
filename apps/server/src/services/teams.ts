/**
 * Teams: cached reads (`teams`, `team_{id}`) and transactional writes followed by exact
 * invalidation. Authorization is the routes' job and happens before any of these reads.
 */
import type { Cache } from '@agiletrack/cache';
import { type CachePolicy, cacheKeys, DEFAULT_CACHE_POLICY, tags as domainTags } from '@agiletrack/domain';
import { eq, inArray } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { integrations, teamMembers, teams, users } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import type { Accounts } from './accounts.ts';
import { type Actor, recordAudit, SYSTEM_ACTOR } from './audit.ts';
import type { Invalidator } from './invalidation.ts';
import { cacheOptions, inTransaction, type ReadOptions } from './read-options.ts';
import type { TeamView } from './views.ts';

/** See the file comment. */
export class TeamService {
  constructor(
    readonly db: AppDb,
    readonly cache: Cache,
    readonly invalidator: Invalidator,
    readonly accounts: Accounts,
    readonly policy: CachePolicy = DEFAULT_CACHE_POLICY,
  ) {}

  /** Every team (the `teams` key); routes filter it per user. */
  listTeams(options: ReadOptions = {}): Promise<TeamView[]> {
    return this.cache.getOrSet(
      cacheKeys.teams(),
      async () => {
        const rows = await this.db.select().from(teams).orderBy(teams.id);
        const members = await this.db.select().from(teamMembers);
        return rows.map((team) => ({
          ...team,
          memberIds: members.filter((m) => m.teamId === team.id).map((m) => m.userId),
        }));
      },
      cacheOptions(this.policy, 'teams', options, [domainTags.table('teams')]),
    );
  }

  /** One team (`team_{id}`), or 404. */
  async getTeam(teamId: number, options: ReadOptions = {}): Promise<TeamView> {
    const team = await this.cache.getOrSet<TeamView | undefined>(
      cacheKeys.team(teamId),
      async (ctx) => {
        const [row] = await this.db.select().from(teams).where(eq(teams.id, teamId));
        if (!row) {
          ctx.skipCache(); // an unknown id must not occupy the cache
          return undefined;
        }
        const members = await this.db.select().from(teamMembers).where(eq(teamMembers.teamId, teamId));
        return { ...row, memberIds: members.map((m) => m.userId) };
      },
      cacheOptions(this.policy, 'team', options, [domainTags.team(teamId)]),
    );
    if (!team) throw notFound(`team ${teamId}`);
    return team;
  }

  /** The team when the memory tier holds it (its TTL and tag checks, no promise), else `undefined`: the HTTP fast path. */
  cachedTeam(teamId: number): TeamView | undefined {
    return this.cache.getSync<TeamView>(cacheKeys.team(teamId)) ?? undefined;
  }

  /** The ids of every team (for cache warming). */
  async teamIds(): Promise<number[]> {
    return (await this.db.select({ id: teams.id }).from(teams).orderBy(teams.id)).map((r) => r.id);
  }

  /** Creates a team with its members, in one transaction. */
  async createTeam(
    input: { name: string; description?: string | undefined; memberIds?: number[] | undefined },
    actor: Actor = SYSTEM_ACTOR,
  ): Promise<TeamView> {
    const memberIds = [...new Set(input.memberIds ?? [])];
    const team = await inTransaction(this.db, async (tx) => {
      await checkUsers(tx, memberIds);
      const [row] = await tx
        .insert(teams)
        .values({ name: input.name, description: input.description ?? '' })
        .returning();
      if (memberIds.length > 0)
        await tx.insert(teamMembers).values(memberIds.map((userId) => ({ teamId: row!.id, userId })));
      await recordAudit(tx, actor, {
        action: 'team.create',
        entity: 'team',
        entityId: row!.id,
        after: { name: row!.name, description: row!.description, memberIds },
      });
      return row!;
    });
    // Members' cached principals go first: the event below is filtered by them.
    await this.accounts.forget(memberIds);
    await this.invalidator.after({ type: 'team.created', teamId: team.id });
    return this.getTeam(team.id);
  }

  /** Changes a team's name, description or members, in one transaction. */
  async updateTeam(
    teamId: number,
    patch: { name?: string | undefined; description?: string | undefined; memberIds?: number[] | undefined },
    actor: Actor = SYSTEM_ACTOR,
  ): Promise<TeamView> {
    const touchedUsers = new Set<number>();
    await inTransaction(this.db, async (tx) => {
      const [existing] = await tx.select().from(teams).where(eq(teams.id, teamId)).for('update');
      if (!existing) throw notFound(`team ${teamId}`);
      const changes: Partial<typeof teams.$inferInsert> = { updatedAt: new Date() };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.description !== undefined) changes.description = patch.description;
      await tx.update(teams).set(changes).where(eq(teams.id, teamId));
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      if (patch.name !== undefined) {
        before.name = existing.name;
        after.name = patch.name;
      }
      if (patch.description !== undefined) {
        before.description = existing.description;
        after.description = patch.description;
      }
      if (patch.memberIds !== undefined) {
        const next = [...new Set(patch.memberIds)];
        await checkUsers(tx, next);
        const old = (await tx.select().from(teamMembers).where(eq(teamMembers.teamId, teamId))).map((m) => m.userId);
        for (const id of [...old, ...next]) touchedUsers.add(id);
        await tx.delete(teamMembers).where(eq(teamMembers.teamId, teamId));
        if (next.length > 0) await tx.insert(teamMembers).values(next.map((userId) => ({ teamId, userId })));
        before.memberIds = old.sort((a, b) => a - b);
        after.memberIds = [...next].sort((a, b) => a - b);
      }
      await recordAudit(tx, actor, { action: 'team.update', entity: 'team', entityId: teamId, before, after });
    });
    await this.accounts.forget(touchedUsers);
    await this.invalidator.after({ type: 'team.updated', teamId });
    return this.getTeam(teamId);
  }

  /** Deletes a team and everything under it. */
  async deleteTeam(teamId: number, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const { integrationIds, memberIds } = await inTransaction(this.db, async (tx) => {
      const [existing] = await tx.select().from(teams).where(eq(teams.id, teamId)).for('update');
      if (!existing) throw notFound(`team ${teamId}`);
      const integrationIds = (
        await tx.select({ id: integrations.id }).from(integrations).where(eq(integrations.teamId, teamId))
      ).map((r) => r.id);
      const memberIds = (await tx.select().from(teamMembers).where(eq(teamMembers.teamId, teamId))).map(
        (m) => m.userId,
      );
      await tx.delete(teams).where(eq(teams.id, teamId));
      await recordAudit(tx, actor, {
        action: 'team.delete',
        entity: 'team',
        entityId: teamId,
        before: { name: existing.name, description: existing.description, memberIds, integrationIds },
      });
      return { integrationIds, memberIds };
    });
    const extra = integrationIds.flatMap((id) => [
      cacheKeys.integration(id),
      cacheKeys.integrationMetrics(id),
      cacheKeys.lastSync(id),
    ]);
    // Streams opened by former members still get this event (they saw the team when they opened).
    await this.accounts.forget(memberIds);
    await this.invalidator.after({ type: 'team.deleted', teamId }, extra);
  }
}

async function checkUsers(tx: AppDb, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await tx.select({ id: users.id }).from(users).where(inArray(users.id, ids));
  const missing = ids.filter((id) => !found.some((f) => f.id === id));
  if (missing.length > 0) throw new AppError('E_VALIDATION', `unknown user ids: ${missing.join(', ')}`);
}
