/**
 * The credentials of an integration, as the connectors use them: read together with the config
 * they belong to in one uncached row read, sealed bound to the integration's origin, and the
 * start-up step that re-seals values stored before that binding existed.
 */
import { eq, sql } from 'drizzle-orm';
import type { IntegrationKindName } from '../connectors/connector.ts';
import { connectorFor } from '../connectors/registry.ts';
import type { AppDb } from '../db/database.ts';
import { integrations } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { CredentialsUnreadableError, type CredentialVault } from '../security/secrets.ts';
import { inTransaction } from './read-options.ts';

/** An integration's kind, config and decrypted credentials, all from one row version. */
export interface Connection {
  id: number;
  teamId: number;
  kind: IntegrationKindName;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}

/** Where an integration's requests (and credentials) go: the origin of its base URL, or the kind's default. */
export function originOf(kind: IntegrationKindName, config: Record<string, unknown>): string {
  return connectorFor(kind).origin(config);
}

/** Seals credentials for integration `id` with the origin its config sends them to. */
export function sealCredentials(
  vault: CredentialVault,
  id: number,
  kind: IntegrationKindName,
  config: Record<string, unknown>,
  credentials: Record<string, string>,
): string {
  return vault.seal(credentials, { integrationId: id, origin: originOf(kind, config) });
}

/**
 * Reads config and credentials in one statement that no cache answers, so what is returned is
 * one version of the row: credentials are never paired with a config they were not entered for.
 * Credentials that cannot be opened for the row's origin answer `E_CREDENTIALS_REQUIRED`.
 */
export async function readConnection(db: AppDb, vault: CredentialVault, integrationId: number): Promise<Connection> {
  const [row] = await db
    .select({
      id: integrations.id,
      teamId: integrations.teamId,
      kind: integrations.kind,
      config: integrations.config,
      sealed: integrations.credentialsEncrypted,
    })
    .from(integrations)
    .where(eq(integrations.id, integrationId));
  if (!row) throw notFound(`integration ${integrationId}`);
  try {
    const credentials = vault.open(row.sealed, { integrationId: row.id, origin: originOf(row.kind, row.config) });
    return { id: row.id, teamId: row.teamId, kind: row.kind, config: row.config, credentials };
  } catch (error) {
    if (!(error instanceof CredentialsUnreadableError)) throw error;
    throw new AppError(
      'E_CREDENTIALS_REQUIRED',
      `the stored credentials of integration ${integrationId} cannot be used for its address: enter them again`,
      { cause: error },
    );
  }
}

/**
 * Re-seals credentials stored before they were bound to their origin (once, at start; every
 * instance may run it: each row is locked, read again and sealed with its own config). Values that
 * cannot be opened (key removed) are left for the user to enter again. Returns how many changed.
 */
export async function resealLegacyCredentials(db: AppDb, vault: CredentialVault): Promise<number> {
  const rows = await db.select({ id: integrations.id, sealed: integrations.credentialsEncrypted }).from(integrations);
  let resealed = 0;
  for (const { id } of rows.filter((row) => vault.isLegacy(row.sealed))) {
    resealed += await inTransaction(db, async (tx) => {
      // Locked and read again: the config sealed into the value is the one stored with it.
      const [row] = await tx.select().from(integrations).where(eq(integrations.id, id)).for('no key update');
      if (!row || !vault.isLegacy(row.credentialsEncrypted)) return 0;
      let credentials: Record<string, string>;
      try {
        credentials = vault.openLegacy(row.credentialsEncrypted, row.id);
      } catch {
        return 0;
      }
      const credentialsEncrypted = sealCredentials(vault, row.id, row.kind, row.config, credentials);
      await tx.update(integrations).set({ credentialsEncrypted }).where(eq(integrations.id, id));
      return 1;
    });
  }
  return resealed;
}

/**
 * Moves integrations whose base URL is `from` to `to` (the demo's simulator on a new port),
 * credentials re-sealed for the new origin in the same transaction. Only for the server's own
 * start-up: a user's move needs the credentials again. Returns the moved integrations.
 */
export async function repointIntegrations(
  db: AppDb,
  vault: CredentialVault,
  from: string,
  to: string,
): Promise<{ integrationId: number; teamId: number }[]> {
  if (from === to) return [];
  return inTransaction(db, async (tx) => {
    const rows = await tx
      .select()
      .from(integrations)
      .where(sql`${integrations.config}->>'baseUrl' = ${from}`)
      .for('no key update');
    const moved: { integrationId: number; teamId: number }[] = [];
    for (const row of rows) {
      let credentials: Record<string, string>;
      try {
        credentials = vault.open(row.credentialsEncrypted, {
          integrationId: row.id,
          origin: originOf(row.kind, row.config),
        });
      } catch {
        continue; // unreadable already: left for the user to enter again
      }
      const config = { ...row.config, baseUrl: to };
      const credentialsEncrypted = sealCredentials(vault, row.id, row.kind, config, credentials);
      await tx.update(integrations).set({ config, credentialsEncrypted }).where(eq(integrations.id, row.id));
      moved.push({ integrationId: row.id, teamId: row.teamId });
    }
    return moved;
  });
}
