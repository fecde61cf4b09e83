/**
 * Goal breach notifications to a team's Slack-compatible incoming webhook. The webhook address is a
 * credential: sealed with the server's key (AES-256-GCM, bound to the team), never returned, never
 * logged. Posts go through the outbound guard (no private or metadata addresses unless allowed) and
 * are retried with exponential backoff; a delivery that still fails is recorded for admins. Posting
 * runs in the background, so a sync never waits on a chat service.
 */

import type { Encryptor } from '@agiletrack/cache/contracts';
import { formatMetric, isMetricName, METRICS, type MetricName, type WithDates } from '@agiletrack/domain';
import { desc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { AppDb } from '../db/database.ts';
import { type goals, notificationDeliveries, teamNotifications } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { OutboundForbiddenError, type OutboundGuard } from '../security/outbound.ts';
import type { OutboundFetch } from '../security/outbound-fetch.ts';
import { type Actor, recordAudit, SYSTEM_ACTOR } from './audit.ts';
import { inTransaction } from './read-options.ts';

/** A team's notification settings as the API answers them (no address). */
export interface NotificationsView {
  teamId: number;
  webhookConfigured: boolean;
  updatedAt: Date | null;
  lastFailure: { at: Date; error: string } | null;
}

/** A failed delivery as admins see it. */
export type NotificationFailureView = WithDates<{
  id: number;
  teamId: number;
  goalId: number | null;
  attempts: number;
  error: string;
  at: Date;
}>;

/** Retries and their pacing (tests pass a sleep that does not wait). */
export interface NotifierOptions {
  /** Attempts in all. @default 4 */
  attempts?: number;
  /** Wait before the second attempt; doubled each time. @default 1000 */
  baseDelayMs?: number;
  /** Each attempt's deadline. @default 10000 */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const aadOf = (teamId: number) => `team-webhook:${teamId}`;

/** How a breach reads in a message: `Pickup time, p85 is 31 h, goal ≤ 24 h (28 days)`. */
export function describeBreach(goal: typeof goals.$inferSelect, value: number | null): string {
  const name = goal.metric as MetricName;
  const label = isMetricName(goal.metric) ? METRICS[name].label : goal.metric;
  const shown = value === null ? '—' : formatMetric(name, value);
  const sign = goal.comparator === 'atMost' ? '≤' : '≥';
  return `${label} is ${shown}, goal ${sign} ${formatMetric(name, goal.threshold)} (${goal.windowDays} days)`;
}
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** See the file comment. */
export class Notifier {
  readonly #pending = new Set<Promise<void>>();
  readonly #options: Required<NotifierOptions>;

  constructor(
    readonly db: AppDb,
    readonly encryptor: Encryptor,
    readonly guard: OutboundGuard,
    readonly fetch: OutboundFetch,
    readonly logger: Logger,
    options: NotifierOptions = {},
  ) {
    this.#options = {
      attempts: options.attempts ?? 4,
      baseDelayMs: options.baseDelayMs ?? 1_000,
      timeoutMs: options.timeoutMs ?? 10_000,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
  }

  /** Sets (or with null removes) the team's webhook; the address is checked, sealed and never answered. */
  async setWebhook(teamId: number, url: string | null, actor: Actor = SYSTEM_ACTOR): Promise<NotificationsView> {
    let sealed: string | null = null;
    if (url !== null) {
      const target = new URL(url);
      // The address is a secret: plain http only to this machine (a local receiver).
      if (target.protocol !== 'https:' && !LOOPBACK.has(target.hostname))
        throw new AppError('E_VALIDATION', 'webhookUrl: must be an https:// address');
      await this.guard.check(target, { resolveNames: false }).catch((error: Error) => {
        throw new AppError('E_VALIDATION', `webhookUrl: ${error.message}`);
      });
      sealed = this.#seal(teamId, url);
    }
    const now = new Date();
    await inTransaction(this.db, async (tx) => {
      await tx
        .insert(teamNotifications)
        .values({ teamId, webhookUrlEncrypted: sealed, updatedAt: now })
        .onConflictDoUpdate({ target: teamNotifications.teamId, set: { webhookUrlEncrypted: sealed, updatedAt: now } });
      // Never the address: only that it was set or removed.
      await recordAudit(tx, actor, {
        action: url === null ? 'notifications.webhook.remove' : 'notifications.webhook.set',
        entity: 'team',
        entityId: teamId,
      });
    });
    return this.settings(teamId);
  }

  /** Whether a webhook is set, and the newest failed delivery since. */
  async settings(teamId: number): Promise<NotificationsView> {
    const [row] = await this.db.select().from(teamNotifications).where(eq(teamNotifications.teamId, teamId));
    const [failure] = await this.db
      .select()
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.teamId, teamId))
      .orderBy(desc(notificationDeliveries.id))
      .limit(1);
    const configured = row?.webhookUrlEncrypted != null;
    return {
      teamId,
      webhookConfigured: configured,
      updatedAt: row?.updatedAt ?? null,
      lastFailure:
        configured && failure?.status === 'failed' && failure.createdAt >= row!.updatedAt
          ? { at: failure.createdAt, error: failure.error ?? 'failed' }
          : null,
    };
  }

  /** Deliveries that failed after their retries, newest first. */
  async failures(limit = 100): Promise<NotificationFailureView[]> {
    const rows = await this.db
      .select()
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.status, 'failed'))
      .orderBy(desc(notificationDeliveries.id))
      .limit(limit);
    return rows.map((r) => ({
      id: r.id,
      teamId: r.teamId,
      goalId: r.goalId,
      attempts: r.attempts,
      error: r.error ?? 'failed',
      at: r.createdAt,
    }));
  }

  /** Posts a breach to the team's webhook in the background (nothing when none is set). */
  async goalBreached(teamId: number, goal: typeof goals.$inferSelect, value: number | null): Promise<void> {
    const [row] = await this.db.select().from(teamNotifications).where(eq(teamNotifications.teamId, teamId));
    if (!row?.webhookUrlEncrypted) return;
    const url = this.#open(teamId, row.webhookUrlEncrypted);
    const text = `Goal breached: ${describeBreach(goal, value)}`;
    const delivery = this.#deliver(teamId, goal.id, url, text).catch((error: Error) =>
      this.logger.warn({ err: error.message, teamId }, 'notifications: could not record a delivery'),
    );
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
  }

  /** Resolves when every delivery under way has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async #deliver(teamId: number, goalId: number, url: string, text: string): Promise<void> {
    let attempts = 0;
    let error: string | null = null;
    while (attempts < this.#options.attempts) {
      if (attempts > 0) await this.#options.sleep(this.#options.baseDelayMs * 2 ** (attempts - 1));
      attempts++;
      const outcome = await this.#post(url, text);
      error = outcome.error;
      if (outcome.error === null || !outcome.retry) break;
    }
    await this.db.insert(notificationDeliveries).values({
      teamId,
      goalId,
      status: error === null ? 'delivered' : 'failed',
      attempts,
      error,
    });
    if (error !== null)
      this.logger.warn({ teamId, goalId, attempts, err: error }, 'notifications: webhook delivery failed');
  }

  /** One attempt: null error when delivered; retry on 429, 5xx and network failures. */
  async #post(url: string, text: string): Promise<{ error: string | null; retry: boolean }> {
    try {
      const response = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      await response.body?.cancel().catch(() => {});
      if (response.ok) return { error: null, retry: false };
      // The receiver's body is never shown: only its status.
      return {
        error: `the webhook answered ${response.status}`,
        retry: response.status >= 500 || response.status === 429,
      };
    } catch (failure) {
      if (failure instanceof OutboundForbiddenError) return { error: failure.message, retry: false };
      return { error: 'the webhook could not be reached', retry: true };
    }
  }

  #seal(teamId: number, url: string): string {
    const sealed = this.encryptor.encrypt(Buffer.from(url, 'utf8'), aadOf(teamId));
    return [sealed.keyId, sealed.iv, sealed.tag, sealed.data]
      .map((part) => (typeof part === 'string' ? part : Buffer.from(part).toString('base64')))
      .join('.');
  }

  #open(teamId: number, stored: string): string {
    const [keyId, iv, tag, data] = stored.split('.');
    const plain = this.encryptor.decrypt(
      {
        keyId: keyId!,
        iv: Buffer.from(iv!, 'base64'),
        tag: Buffer.from(tag!, 'base64'),
        data: Buffer.from(data!, 'base64'),
      },
      aadOf(teamId),
    );
    return Buffer.from(plain).toString('utf8');
  }
}
