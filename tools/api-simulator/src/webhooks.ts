/**
 * Webhook delivery as GitHub and Jira do it: a JSON POST to each registered URL of the source,
 * signed with the URL's secret — GitHub `X-Hub-Signature-256: sha256=<hex>` with
 * `X-GitHub-Event` and `X-GitHub-Delivery`, Jira `X-Hub-Signature: sha256=<hex>` with
 * `X-Atlassian-Webhook-Identifier` — HMAC-SHA256 over the exact body bytes. Every attempt is kept
 * (status, or the network error) for tests and the demo.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { WebhookMessage } from './events.ts';

/** Where a source's webhooks go. */
export interface WebhookTarget {
  source: 'github' | 'jira';
  url: string;
  secret: string;
}

/** One delivery attempt. */
export interface Delivery {
  id: string;
  source: 'github' | 'jira';
  event: string;
  url: string;
  /** The receiver's status, or null when it could not be reached. */
  status: number | null;
  error: string | null;
}

/** The registered targets and what was delivered to them. */
export class Webhooks {
  #targets: WebhookTarget[] = [];
  readonly #deliveries: Delivery[] = [];

  /** Adds a target (one per source and URL: the same pair again replaces its secret). */
  add(target: WebhookTarget): void {
    this.#targets = this.#targets.filter((t) => t.source !== target.source || t.url !== target.url);
    this.#targets.push({ ...target });
  }

  /** Removes every target and forgets the deliveries. */
  clear(): void {
    this.#targets = [];
    this.#deliveries.length = 0;
  }

  /** The deliveries so far, oldest first. */
  deliveries(): Delivery[] {
    return this.#deliveries.map((d) => ({ ...d }));
  }

  /** Delivers a message to every target of its source; resolves when all answered or failed. */
  async deliver(message: WebhookMessage): Promise<Delivery[]> {
    const body = JSON.stringify(message.payload);
    const targets = this.#targets.filter((t) => t.source === message.source);
    const sent = await Promise.all(targets.map((target) => this.#send(target, message, body)));
    this.#deliveries.push(...sent);
    return sent;
  }

  async #send(target: WebhookTarget, message: WebhookMessage, body: string): Promise<Delivery> {
    const id = randomUUID();
    const signature = `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`;
    const headers: Record<string, string> =
      message.source === 'github'
        ? {
            'x-github-event': message.event,
            'x-github-delivery': id,
            'x-hub-signature-256': signature,
            'user-agent': 'GitHub-Hookshot/simulator',
          }
        : {
            'x-atlassian-webhook-identifier': id,
            'x-hub-signature': signature,
            'user-agent': 'Atlassian Webhook HTTP Client',
          };
    const delivery = { id, source: message.source, event: message.event, url: target.url };
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      return { ...delivery, status: response.status, error: null };
    } catch (error) {
      return { ...delivery, status: null, error: (error as Error).message };
    }
  }
}
