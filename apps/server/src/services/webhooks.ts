/**
 * Webhook deliveries from GitHub and Jira. A delivery needs no session: it is trusted only when its
 * signature (HMAC-SHA256 of the raw body with the integration's webhook secret, compared in
 * constant time) matches. Each delivery id is applied once: a retry or a replay is answered 200
 * and ignored. Nothing is stored or invalidated for a refused delivery; refusals are counted for
 * admins. A valid delivery that can change items syncs the integration incrementally (one GraphQL
 * query on GitHub), which updates the changed items, recomputes its windows, invalidates exactly
 * its keys and reaches dashboards over the event stream. Deliveries for one integration are
 * coalesced: while one sync runs, later ones wait for a single next sync.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { IntegrationKindName } from '../connectors/connector.ts';
import { connectorFor } from '../connectors/registry.ts';
import { signatureMatches } from '../connectors/webhook-signature.ts';
import type { AppDb } from '../db/database.ts';
import { integrations, syncBackfills, webhookDeliveries } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import type { CredentialVault } from '../security/secrets.ts';
import { type Actor, recordAudit, SYSTEM_ACTOR } from './audit.ts';
import { inTransaction } from './read-options.ts';

/** Runs an incremental sync of an integration and publishes its result. */
export type WebhookSync = (integration: { id: number; teamId: number }, jobId: string) => Promise<void>;

/** A delivery as the route hands it over. */
export interface Delivery {
  kind: IntegrationKindName;
  integrationId: number | null;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  raw: Buffer | undefined;
  body: unknown;
}

// Sealed bound to the integration and to this use: it can never be opened as credentials, nor the reverse.
const aad = (integrationId: number) => ({ integrationId, origin: 'webhook-secret' });
const header = (headers: Delivery['headers'], name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** See the file comment. */
export class WebhookService {
  readonly #refused = new Map<number, { signature: number; replay: number }>();
  /** Refusals of deliveries naming no integration of their kind. */
  unknown = 0;
  readonly #syncs = new Map<number, { running: Promise<void>; again: boolean }>();

  constructor(
    readonly db: AppDb,
    readonly vault: CredentialVault,
    readonly sync: WebhookSync,
    readonly logger?: Logger,
  ) {}

  /** Issues a new secret (replacing any), stored sealed; returns it, to be shown once. */
  async issueSecret(integrationId: number, actor: Actor = SYSTEM_ACTOR): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    await inTransaction(this.db, async (tx) => {
      const updated = await tx
        .update(integrations)
        .set({ webhookSecretEncrypted: this.vault.seal({ secret }, aad(integrationId)) })
        .where(eq(integrations.id, integrationId))
        .returning({ id: integrations.id });
      if (updated.length === 0) throw notFound(`integration ${integrationId}`);
      await recordAudit(tx, actor, {
        action: 'integration.webhook_secret',
        entity: 'integration',
        entityId: integrationId,
        after: { webhookSecretReplaced: true },
      });
    });
    return secret;
  }

  /** Checks and applies a delivery; throws 404 or 401 for one that is refused. */
  async receive(delivery: Delivery): Promise<{ status: 200 | 202; body: { status: 'accepted' | 'ignored' } }> {
    const [row] =
      delivery.integrationId === null
        ? []
        : await this.db
            .select({
              id: integrations.id,
              teamId: integrations.teamId,
              kind: integrations.kind,
              sealed: integrations.webhookSecretEncrypted,
            })
            .from(integrations)
            .where(eq(integrations.id, delivery.integrationId));
    if (!row || row.kind !== delivery.kind) {
      this.unknown++;
      throw notFound('integration');
    }
    const webhook = connectorFor(row.kind).webhook;
    const secret = row.sealed === null ? undefined : this.vault.open(row.sealed, aad(row.id)).secret;
    const signature = header(delivery.headers, webhook.signatureHeader);
    if (secret === undefined || delivery.raw === undefined || !signatureMatches(signature, delivery.raw, secret)) {
      this.#count(row.id, 'signature');
      throw new AppError('E_UNAUTHENTICATED', 'the webhook signature is missing or does not match the secret');
    }
    const deliveryId = header(delivery.headers, webhook.deliveryHeader);
    if (!deliveryId || deliveryId.length > 200) {
      throw new AppError('E_VALIDATION', `a delivery needs its ${webhook.deliveryHeader} header`);
    }
    const event = webhook.event(delivery.headers, delivery.body).slice(0, 100);
    const relevant = webhook.relevant(event, delivery.body);
    const [recorded] = await this.db
      .insert(webhookDeliveries)
      .values({ integrationId: row.id, deliveryId, event, outcome: relevant ? 'applied' : 'ignored' })
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id });
    if (!recorded) {
      this.#count(row.id, 'replay');
      return { status: 200, body: { status: 'ignored' } };
    }
    if (!relevant) return { status: 200, body: { status: 'ignored' } };
    void this.#apply(row, recorded.id);
    return { status: 202, body: { status: 'accepted' } };
  }

  /** The last deliveries of an integration and the refusals counted for it. */
  async recent(integrationId: number, limit = 20) {
    const deliveries = await this.db
      .select({
        deliveryId: webhookDeliveries.deliveryId,
        event: webhookDeliveries.event,
        outcome: webhookDeliveries.outcome,
        receivedAt: webhookDeliveries.receivedAt,
      })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.integrationId, integrationId))
      .orderBy(desc(webhookDeliveries.receivedAt), desc(webhookDeliveries.id))
      .limit(limit);
    const [row] = await this.db
      .select({ sealed: integrations.webhookSecretEncrypted })
      .from(integrations)
      .where(eq(integrations.id, integrationId));
    return {
      deliveries: deliveries as { deliveryId: string; event: string; outcome: 'applied'; receivedAt: Date }[],
      hasSecret: row?.sealed != null,
      refused: { ...(this.#refused.get(integrationId) ?? { signature: 0, replay: 0 }) },
    };
  }

  /** Waits for the webhook syncs under way (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#syncs.size > 0) await Promise.all([...this.#syncs.values()].map((s) => s.running));
  }

  #count(integrationId: number, reason: 'signature' | 'replay'): void {
    const counts = this.#refused.get(integrationId) ?? { signature: 0, replay: 0 };
    counts[reason]++;
    this.#refused.set(integrationId, counts);
    this.logger?.warn({ integrationId, reason }, 'webhook delivery refused');
  }

  // One sync at a time per integration; deliveries that arrive meanwhile share the next one.
  async #apply(row: { id: number; teamId: number }, deliveryRow: number): Promise<void> {
    const current = this.#syncs.get(row.id);
    if (current) {
      current.again = true;
      return;
    }
    const entry = { running: Promise.resolve(), again: false };
    this.#syncs.set(row.id, entry);
    const run = async () => {
      do {
        entry.again = false;
        try {
          // A backfill under way reads every change anyway: this delivery waits for it.
          const [backfill] = await this.db
            .select({ id: syncBackfills.integrationId })
            .from(syncBackfills)
            .where(eq(syncBackfills.integrationId, row.id));
          if (backfill) await this.#outcome(deliveryRow, 'deferred');
          else await this.sync(row, `webhook-${row.id}-${deliveryRow}`);
        } catch (error) {
          this.logger?.warn({ integrationId: row.id, err: (error as Error).message }, 'webhook sync failed');
          await this.#outcome(deliveryRow, 'failed').catch(() => {});
        }
      } while (entry.again);
    };
    entry.running = run().finally(() => this.#syncs.delete(row.id));
    await entry.running;
  }

  async #outcome(deliveryRow: number, outcome: 'deferred' | 'failed'): Promise<void> {
    await this.db
      .update(webhookDeliveries)
      .set({ outcome })
      .where(and(eq(webhookDeliveries.id, deliveryRow)));
  }
}
