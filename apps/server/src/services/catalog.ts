/**
 * Teams, integrations and their metrics: cached reads through the seven keys of DESIGN section 4,
 * and transactional writes followed by exact invalidation. Authorization is the routes' job and
 * happens before any of these reads.
 */
import type { Cache, CacheStatus } from '@agiletrack/cache';
import { type CachePolicy, cacheKeys, DEFAULT_CACHE_POLICY, tags as domainTags } from '@agiletrack/domain';
import { and, desc, eq, gt, inArray } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { integrations, metricSnapshots, syncRuns, teamMembers, teams, users, workItems } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import type { CredentialVault } from '../security/secrets.ts';
import { computeMetrics } from '../sync/metrics.ts';
import type { Accounts } from './accounts.ts';
import type { Invalidator } from './invalidation.ts';
import { rollupMetrics } from './metrics-rollup.ts';
import type { IntegrationMetricsView, IntegrationView, LastSyncView, TeamMetricsView, TeamView } from './views.ts';

/** How a read should treat the cache. */
export interface ReadOptions {
  /** Bypass every tier and refill them (`Cache-Control: no-cache`). */
  force?: boolean;
  /** Filled in with how the value was served. */
  status?: CacheStatus;
}

type IntegrationRow = typeof integrations.$inferSelect;

const toIntegrationView = (row: IntegrationRow): IntegrationView => ({
  id: row.id,
  teamId: row.teamId,
  kind: row.kind,
  name: row.name,
  config: row.config,
  syncIntervalMinutes: row.syncIntervalMinutes,
  hasCredentials: true,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const isUniqueViolation = (error: unknown): boolean => {
  const cause = (error as { cause?: { code?: string }; code?: string }) ?? {};
  return cause.code === '23505' || cause.cause?.code === '23505';
};

/** See the file comment. */
export class Catalog {
  constructor(
    readonly db: AppDb,
    readonly cache: Cache,
    readonly invalidator: Invalidator,
    readonly accounts: Accounts,
    readonly vault: CredentialVault,
    readonly policy: CachePolicy = DEFAULT_CACHE_POLICY,
  ) {}

  // --- reads ------------------------------------------------------------------------------------

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
      this.#options('teams', options, [domainTags.table('teams')]),
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
      this.#options('team', options, [domainTags.team(teamId)]),
    );
    if (!team) throw notFound(`team ${teamId}`);
    return team;
  }

  /** A team's integrations (`team_{id}_integrations`). The team must exist. */
  async listIntegrations(teamId: number, options: ReadOptions = {}): Promise<IntegrationView[]> {
    await this.getTeam(teamId);
    return this.cache.getOrSet(
      cacheKeys.teamIntegrations(teamId),
      async () => {
        const rows = await this.db
          .select()
          .from(integrations)
          .where(eq(integrations.teamId, teamId))
          .orderBy(integrations.id);
        return rows.map(toIntegrationView);
      },
      this.#options('teamIntegrations', options, [domainTags.team(teamId)]),
    );
  }

  /** One integration (`integration_{id}`), or 404. Never includes credentials. */
  async getIntegration(integrationId: number, options: ReadOptions = {}): Promise<IntegrationView> {
    const integration = await this.cache.getOrSet<IntegrationView | undefined>(
      cacheKeys.integration(integrationId),
      async (ctx) => {
        const [row] = await this.db.select().from(integrations).where(eq(integrations.id, integrationId));
        if (!row) {
          ctx.skipCache();
          return undefined;
        }
        ctx.options.tags = [domainTags.integration(integrationId), domainTags.team(row.teamId)];
        return toIntegrationView(row);
      },
      this.#options('integration', options, [domainTags.integration(integrationId)]),
    );
    if (!integration) throw notFound(`integration ${integrationId}`);
    return integration;
  }

  /** Metrics of one integration (`metrics_{id}`): its newest snapshot. */
  integrationMetrics(integration: IntegrationView, options: ReadOptions = {}): Promise<IntegrationMetricsView> {
    return this.cache.getOrSet(
      cacheKeys.integrationMetrics(integration.id),
      async (ctx) => {
        // While a sync runs, readers keep getting the last good value as STALE; caching the
        // same old snapshot as fresh would hide that a newer one is on its way.
        if (await this.#syncing([integration.id])) ctx.skipCache();
        return this.#loadIntegrationMetrics(integration);
      },
      this.#options('integrationMetrics', options, [
        domainTags.integration(integration.id),
        domainTags.team(integration.teamId),
      ]),
    );
  }

  /** Metrics of a team (`team_{id}_metrics`): each integration's newest snapshot and a roll-up. */
  async teamMetrics(teamId: number, options: ReadOptions = {}): Promise<TeamMetricsView> {
    await this.getTeam(teamId);
    return this.cache.getOrSet(
      cacheKeys.teamMetrics(teamId),
      async (ctx) => {
        const metrics = await this.computeTeamMetrics(teamId);
        if (await this.#syncing(metrics.integrations.map((m) => m.integrationId))) ctx.skipCache();
        return metrics;
      },
      this.#options('teamMetrics', options, [domainTags.team(teamId)]),
    );
  }

  /**
   * Metrics over a custom window (`?windowDays=`), computed from the stored work items as of the
   * newest snapshot. A session-specific variant: the browser keeps it in memory; the server does
   * not cache it (it is one indexed query).
   */
  async windowMetrics(integration: IntegrationView, windowDays: number): Promise<IntegrationMetricsView> {
    const [latest] = await this.db
      .select({ computedAt: metricSnapshots.computedAt })
      .from(metricSnapshots)
      .where(eq(metricSnapshots.integrationId, integration.id))
      .orderBy(desc(metricSnapshots.computedAt))
      .limit(1);
    const asOf = latest?.computedAt ?? null;
    const metrics = asOf === null ? null : await this.metricsAsOf(integration, asOf, windowDays);
    return { integrationId: integration.id, kind: integration.kind, windowDays, computedAt: asOf, metrics };
  }

  /** Computes an integration's metrics from its stored work items, as of `asOf` (also used by syncs). */
  async metricsAsOf(
    integration: IntegrationView,
    asOf: Date,
    windowDays: number,
  ): Promise<Record<string, number | null>> {
    const items = await this.db.select().from(workItems).where(eq(workItems.integrationId, integration.id));
    const normalised = items.map((item) => ({ ...item, data: item.data ?? {} }));
    return computeMetrics(integration.kind, normalised, asOf, windowDays) as unknown as Record<string, number | null>;
  }

  /** A team's metrics over a custom window (not cached, see {@link windowMetrics}). */
  async teamWindowMetrics(teamId: number, windowDays: number): Promise<TeamMetricsView> {
    const list = await this.listIntegrations(teamId);
    const each = await Promise.all(list.map((integration) => this.windowMetrics(integration, windowDays)));
    const times = each.map((m) => m.computedAt?.getTime() ?? 0).filter((t) => t > 0);
    return {
      teamId,
      computedAt: times.length > 0 ? new Date(Math.max(...times)) : null,
      rollup: rollupMetrics(each.map((m) => m.metrics)),
      integrations: each,
    };
  }

  /** Builds a team's metrics from the database (also used to warm the key after a sync). */
  async computeTeamMetrics(teamId: number): Promise<TeamMetricsView> {
    const rows = await this.db
      .select()
      .from(integrations)
      .where(eq(integrations.teamId, teamId))
      .orderBy(integrations.id);
    const list = await Promise.all(rows.map((row) => this.#loadIntegrationMetrics(toIntegrationView(row))));
    const times = list.map((m) => m.computedAt?.getTime() ?? 0).filter((t) => t > 0);
    return {
      teamId,
      computedAt: times.length > 0 ? new Date(Math.max(...times)) : null,
      rollup: rollupMetrics(list.map((m) => m.metrics)),
      integrations: list,
    };
  }

  /** The last sync of an integration (`last_sync_{id}`). */
  lastSync(integration: IntegrationView, options: ReadOptions = {}): Promise<LastSyncView> {
    return this.cache.getOrSet(
      cacheKeys.lastSync(integration.id),
      async () => {
        const [run] = await this.db
          .select()
          .from(syncRuns)
          .where(eq(syncRuns.integrationId, integration.id))
          .orderBy(desc(syncRuns.startedAt), desc(syncRuns.id))
          .limit(1);
        return {
          integrationId: integration.id,
          status: run?.status ?? 'never',
          jobId: run?.jobId ?? null,
          startedAt: run?.startedAt ?? null,
          finishedAt: run?.finishedAt ?? null,
          error: run?.error ?? null,
          stats: run?.stats ?? null,
        };
      },
      this.#options('lastSync', options, [domainTags.integration(integration.id), domainTags.team(integration.teamId)]),
    );
  }

  /** Decrypted credentials of an integration, for the connectors only (never cached, never returned). */
  async credentials(integrationId: number): Promise<Record<string, string>> {
    const [row] = await this.db.select().from(integrations).where(eq(integrations.id, integrationId));
    if (!row) throw notFound(`integration ${integrationId}`);
    return this.vault.open(row.credentialsEncrypted, `integration:${row.id}`);
  }

  // --- writes -------------------------------------------------------------------------------

  /** Creates a team with its members, in one transaction. */
  async createTeam(input: {
    name: string;
    description?: string | undefined;
    memberIds?: number[] | undefined;
  }): Promise<TeamView> {
    const memberIds = [...new Set(input.memberIds ?? [])];
    const team = await this.#transaction(async (tx) => {
      await this.#checkUsers(tx, memberIds);
      const [row] = await tx
        .insert(teams)
        .values({ name: input.name, description: input.description ?? '' })
        .returning();
      if (memberIds.length > 0)
        await tx.insert(teamMembers).values(memberIds.map((userId) => ({ teamId: row!.id, userId })));
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
  ): Promise<TeamView> {
    const touchedUsers = new Set<number>();
    await this.#transaction(async (tx) => {
      const [existing] = await tx.select().from(teams).where(eq(teams.id, teamId)).for('update');
      if (!existing) throw notFound(`team ${teamId}`);
      const changes: Partial<typeof teams.$inferInsert> = { updatedAt: new Date() };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.description !== undefined) changes.description = patch.description;
      await tx.update(teams).set(changes).where(eq(teams.id, teamId));
      if (patch.memberIds !== undefined) {
        const next = [...new Set(patch.memberIds)];
        await this.#checkUsers(tx, next);
        const before = (await tx.select().from(teamMembers).where(eq(teamMembers.teamId, teamId))).map((m) => m.userId);
        for (const id of [...before, ...next]) touchedUsers.add(id);
        await tx.delete(teamMembers).where(eq(teamMembers.teamId, teamId));
        if (next.length > 0) await tx.insert(teamMembers).values(next.map((userId) => ({ teamId, userId })));
      }
    });
    await this.accounts.forget(touchedUsers);
    await this.invalidator.after({ type: 'team.updated', teamId });
    return this.getTeam(teamId);
  }

  /** Deletes a team and everything under it. */
  async deleteTeam(teamId: number): Promise<void> {
    const { integrationIds, memberIds } = await this.#transaction(async (tx) => {
      const [existing] = await tx.select().from(teams).where(eq(teams.id, teamId)).for('update');
      if (!existing) throw notFound(`team ${teamId}`);
      const integrationIds = (
        await tx.select({ id: integrations.id }).from(integrations).where(eq(integrations.teamId, teamId))
      ).map((r) => r.id);
      const memberIds = (await tx.select().from(teamMembers).where(eq(teamMembers.teamId, teamId))).map(
        (m) => m.userId,
      );
      await tx.delete(teams).where(eq(teams.id, teamId));
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

  /** Adds an integration to a team; credentials are encrypted before they are stored. */
  async createIntegration(
    teamId: number,
    input: {
      kind: 'github' | 'jira';
      name: string;
      config: Record<string, unknown>;
      credentials: Record<string, string>;
      syncIntervalMinutes?: number | null | undefined;
    },
  ): Promise<IntegrationView> {
    const row = await this.#transaction(async (tx) => {
      const [team] = await tx.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId));
      if (!team) throw notFound(`team ${teamId}`);
      const [inserted] = await tx
        .insert(integrations)
        .values({
          teamId,
          kind: input.kind,
          name: input.name,
          config: input.config,
          credentialsEncrypted: 'pending',
          syncIntervalMinutes: input.syncIntervalMinutes ?? null,
        })
        .returning();
      // The row id is bound into the ciphertext, so it is sealed once the id exists.
      const sealed = this.vault.seal(input.credentials, `integration:${inserted!.id}`);
      await tx.update(integrations).set({ credentialsEncrypted: sealed }).where(eq(integrations.id, inserted!.id));
      return inserted!;
    });
    await this.invalidator.after({ type: 'integration.created', teamId, integrationId: row.id });
    return this.getIntegration(row.id);
  }

  /** Changes an integration; new credentials replace the old ones entirely. */
  async updateIntegration(
    integrationId: number,
    patch: {
      name?: string | undefined;
      config?: Record<string, unknown> | undefined;
      credentials?: Record<string, string> | undefined;
      syncIntervalMinutes?: number | null | undefined;
    },
  ): Promise<IntegrationView> {
    const teamId = await this.#transaction(async (tx) => {
      const [existing] = await tx.select().from(integrations).where(eq(integrations.id, integrationId)).for('update');
      if (!existing) throw notFound(`integration ${integrationId}`);
      const changes: Partial<typeof integrations.$inferInsert> = { updatedAt: new Date() };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.config !== undefined) changes.config = patch.config;
      if (patch.syncIntervalMinutes !== undefined) changes.syncIntervalMinutes = patch.syncIntervalMinutes;
      if (patch.credentials !== undefined)
        changes.credentialsEncrypted = this.vault.seal(patch.credentials, `integration:${integrationId}`);
      await tx.update(integrations).set(changes).where(eq(integrations.id, integrationId));
      return existing.teamId;
    });
    await this.invalidator.after({ type: 'integration.updated', teamId, integrationId });
    return this.getIntegration(integrationId);
  }

  /** Deletes an integration with its runs, items and snapshots. */
  async deleteIntegration(integrationId: number): Promise<void> {
    const teamId = await this.#transaction(async (tx) => {
      const [existing] = await tx.select().from(integrations).where(eq(integrations.id, integrationId)).for('update');
      if (!existing) throw notFound(`integration ${integrationId}`);
      await tx.delete(integrations).where(eq(integrations.id, integrationId));
      return existing.teamId;
    });
    await this.invalidator.after({ type: 'integration.deleted', teamId, integrationId });
  }

  /** The ids of every team (for cache warming). */
  async teamIds(): Promise<number[]> {
    return (await this.db.select({ id: teams.id }).from(teams).orderBy(teams.id)).map((r) => r.id);
  }

  // --- internals ----------------------------------------------------------------------------

  async #loadIntegrationMetrics(integration: IntegrationView): Promise<IntegrationMetricsView> {
    const [snapshot] = await this.db
      .select()
      .from(metricSnapshots)
      .where(eq(metricSnapshots.integrationId, integration.id))
      .orderBy(desc(metricSnapshots.computedAt), desc(metricSnapshots.id))
      .limit(1);
    return {
      integrationId: integration.id,
      kind: integration.kind,
      windowDays: snapshot?.windowDays ?? null,
      computedAt: snapshot?.computedAt ?? null,
      metrics: (snapshot?.metrics as Record<string, number | null> | undefined) ?? null,
    };
  }

  async #syncing(integrationIds: number[]): Promise<boolean> {
    if (integrationIds.length === 0) return false;
    const running = await this.db
      .select({ id: syncRuns.id })
      .from(syncRuns)
      .where(
        and(
          inArray(syncRuns.integrationId, integrationIds),
          eq(syncRuns.status, 'running'),
          // A worker that died mid-sync must not keep metrics uncached for ever.
          gt(syncRuns.startedAt, new Date(Date.now() - 3_600_000)),
        ),
      )
      .limit(1);
    return running.length > 0;
  }

  #options(kind: keyof CachePolicy, options: ReadOptions, tags: string[]) {
    const row = this.policy[kind];
    return {
      ttl: row.l2TtlMs,
      // A task result is gone when its time is up: no grace (a running sync keeps it stale instead).
      ...(row.l2TaskResult && { grace: 0 }),
      tags,
      forceFresh: options.force ?? false,
      ...(options.status && { status: options.status }),
    };
  }

  async #checkUsers(tx: AppDb, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const found = await tx.select({ id: users.id }).from(users).where(inArray(users.id, ids));
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0) throw new AppError('E_VALIDATION', `unknown user ids: ${missing.join(', ')}`);
  }

  async #transaction<T>(run: (tx: AppDb) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => run(tx as unknown as AppDb));
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (isUniqueViolation(error))
        throw new AppError('E_CONFLICT', 'a record with that name already exists', { cause: error });
      throw error;
    }
  }
}
