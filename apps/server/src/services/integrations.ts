/**
 * Integrations: cached reads (`team_{id}_integrations`, `integration_{id}`), transactional writes
 * followed by exact invalidation, and the credentials the connectors need (never cached, never
 * returned by a route).
 */
import type { Cache } from '@agiletrack/cache';
import { type CachePolicy, cacheKeys, DEFAULT_CACHE_POLICY, tags as domainTags } from '@agiletrack/domain';
import { eq } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { integrations, teams } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { OutboundGuard } from '../security/outbound.ts';
import type { CredentialVault } from '../security/secrets.ts';
import { type Actor, recordAudit, SYSTEM_ACTOR } from './audit.ts';
import { type Connection, originOf, readConnection, sealCredentials } from './integration-credentials.ts';
import type { Invalidator } from './invalidation.ts';
import { cacheOptions, inTransaction, type ReadOptions } from './read-options.ts';
import type { TeamService } from './teams.ts';
import type { IntegrationView } from './views.ts';

type IntegrationRow = typeof integrations.$inferSelect;

/** The fields the audit log keeps of an integration (never its credentials). */
const audited = (row: IntegrationRow) => ({
  teamId: row.teamId,
  kind: row.kind,
  name: row.name,
  config: row.config,
  syncIntervalMinutes: row.syncIntervalMinutes,
});

// A user name or password in a stored address (saved before they were refused) is never shown.
function shownConfig(config: Record<string, unknown>): Record<string, unknown> {
  if (typeof config.baseUrl !== 'string' || !config.baseUrl.includes('@')) return config;
  try {
    const url = new URL(config.baseUrl);
    if (!url.username && !url.password) return config;
    url.username = '';
    url.password = '';
    return { ...config, baseUrl: url.href.replace(/\/$/, '') };
  } catch {
    return config;
  }
}

/** The API view of a stored integration (without its credentials). */
export const toIntegrationView = (row: IntegrationRow): IntegrationView => ({
  id: row.id,
  teamId: row.teamId,
  kind: row.kind,
  name: row.name,
  config: shownConfig(row.config),
  syncIntervalMinutes: row.syncIntervalMinutes,
  hasCredentials: true,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** See the file comment. */
export class IntegrationService {
  constructor(
    readonly db: AppDb,
    readonly cache: Cache,
    readonly invalidator: Invalidator,
    readonly vault: CredentialVault,
    readonly teams: TeamService,
    readonly policy: CachePolicy = DEFAULT_CACHE_POLICY,
    /** The connectors' outbound policy, checked when an integration is saved. */
    readonly outbound: OutboundGuard = new OutboundGuard(),
  ) {}

  /** A team's integrations (`team_{id}_integrations`). The team must exist. */
  async listIntegrations(teamId: number, options: ReadOptions = {}): Promise<IntegrationView[]> {
    await this.teams.getTeam(teamId);
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
      cacheOptions(this.policy, 'teamIntegrations', options, [domainTags.team(teamId)]),
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
      cacheOptions(this.policy, 'integration', options, [domainTags.integration(integrationId)]),
    );
    if (!integration) throw notFound(`integration ${integrationId}`);
    return integration;
  }

  /**
   * What a connector needs to call upstream: config and decrypted credentials from one uncached
   * read of the row (never cached, never returned). Use its config, not a cached view's, for
   * where the request goes.
   */
  connection(integrationId: number): Promise<Connection> {
    return readConnection(this.db, this.vault, integrationId);
  }

  /** Decrypted credentials of an integration (see {@link connection}). */
  async credentials(integrationId: number): Promise<Record<string, string>> {
    return (await this.connection(integrationId)).credentials;
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
    actor: Actor = SYSTEM_ACTOR,
  ): Promise<IntegrationView> {
    await this.#checkOutbound(input.kind, input.config);
    const row = await inTransaction(this.db, async (tx) => {
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
      const sealed = sealCredentials(this.vault, inserted!.id, input.kind, input.config, input.credentials);
      await tx.update(integrations).set({ credentialsEncrypted: sealed }).where(eq(integrations.id, inserted!.id));
      await recordAudit(tx, actor, {
        action: 'integration.create',
        entity: 'integration',
        entityId: inserted!.id,
        after: audited(inserted!),
      });
      return inserted!;
    });
    await this.invalidator.after({ type: 'integration.created', teamId, integrationId: row.id });
    return this.getIntegration(row.id);
  }

  /**
   * Changes an integration; new credentials replace the old ones entirely. Credentials are bound
   * to the origin they were entered for: a config that moves the integration to another origin
   * (scheme, host or port of `baseUrl`; GitHub to GitHub Enterprise) must come with credentials,
   * or it is refused with `E_CREDENTIALS_REQUIRED` — else whoever may edit the integration could
   * send its token to a server of their choosing.
   */
  async updateIntegration(
    integrationId: number,
    patch: {
      name?: string | undefined;
      config?: Record<string, unknown> | undefined;
      credentials?: Record<string, string> | undefined;
      syncIntervalMinutes?: number | null | undefined;
    },
    actor: Actor = SYSTEM_ACTOR,
  ): Promise<IntegrationView> {
    if (patch.config !== undefined) {
      const current = await this.getIntegration(integrationId);
      await this.#checkOutbound(current.kind, patch.config);
    }
    const teamId = await inTransaction(this.db, async (tx) => {
      const [existing] = await tx
        .select()
        .from(integrations)
        .where(eq(integrations.id, integrationId))
        .for('no key update');
      if (!existing) throw notFound(`integration ${integrationId}`);
      if (
        patch.config !== undefined &&
        patch.credentials === undefined &&
        originOf(existing.kind, patch.config) !== originOf(existing.kind, existing.config)
      ) {
        throw new AppError(
          'E_CREDENTIALS_REQUIRED',
          `moving the integration to ${originOf(existing.kind, patch.config)} needs its credentials again: send them in the same request`,
        );
      }
      const changes: Partial<typeof integrations.$inferInsert> = { updatedAt: new Date() };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.config !== undefined) changes.config = patch.config;
      if (patch.syncIntervalMinutes !== undefined) changes.syncIntervalMinutes = patch.syncIntervalMinutes;
      // Sealed for the origin it will be stored with (the patch's, or the unchanged one).
      if (patch.credentials !== undefined)
        changes.credentialsEncrypted = sealCredentials(
          this.vault,
          integrationId,
          existing.kind,
          patch.config ?? existing.config,
          patch.credentials,
        );
      const [updated] = await tx
        .update(integrations)
        .set(changes)
        .where(eq(integrations.id, integrationId))
        .returning();
      // Credentials are never written to the log: only that they were replaced.
      const rotated = patch.credentials !== undefined;
      await recordAudit(tx, actor, {
        action:
          rotated && Object.values(patch).filter((v) => v !== undefined).length === 1
            ? 'integration.rotate'
            : 'integration.update',
        entity: 'integration',
        entityId: integrationId,
        before: audited(existing),
        after: { ...audited(updated!), ...(rotated && { credentialsReplaced: true }) },
      });
      return existing.teamId;
    });
    await this.invalidator.after({ type: 'integration.updated', teamId, integrationId });
    return this.getIntegration(integrationId);
  }

  /** Deletes an integration with its runs, items and snapshots. */
  async deleteIntegration(integrationId: number, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const teamId = await inTransaction(this.db, async (tx) => {
      const [existing] = await tx.select().from(integrations).where(eq(integrations.id, integrationId)).for('update');
      if (!existing) throw notFound(`integration ${integrationId}`);
      await tx.delete(integrations).where(eq(integrations.id, integrationId));
      await recordAudit(tx, actor, {
        action: 'integration.delete',
        entity: 'integration',
        entityId: integrationId,
        before: audited(existing),
      });
      return existing.teamId;
    });
    await this.invalidator.after({ type: 'integration.deleted', teamId, integrationId });
  }

  // Refuse private and metadata addresses when the integration is saved, with the policy's reason;
  // a name that does not resolve yet is accepted (each sync checks again).
  async #checkOutbound(kind: 'github' | 'jira', config: Record<string, unknown>): Promise<void> {
    const origin = originOf(kind, config);
    if (origin.startsWith('invalid:')) return; // the schema has refused it already
    await this.outbound.check(origin, { resolveNames: false });
  }
}
