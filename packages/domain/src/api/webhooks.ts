/**
 * Webhooks: GitHub and Jira tell AgileTrack what changed as it happens. Deliveries are signed
 * (HMAC-SHA256 of the raw body with the integration's webhook secret) and need no session; each
 * integration's secret is shown once when it is issued and can be rotated.
 */
import { z } from 'zod';
import { RowIdParam, route, Timestamp } from './common.ts';

/** What a delivery did. */
export const WebhookOutcome = z.enum(['applied', 'ignored', 'deferred', 'failed']);

/** A delivery's answer. */
export const WebhookAnswer = z.object({ status: z.enum(['accepted', 'ignored']) });

/** POST /api/integrations/:integrationId/webhook-secret: the new secret, shown this once. */
export const WebhookSecretBody = z.object({ secret: z.string() });

/** One accepted delivery. */
export const WebhookDeliverySchema = z.object({
  deliveryId: z.string(),
  event: z.string(),
  outcome: WebhookOutcome,
  receivedAt: Timestamp,
});

/** GET /api/integrations/:integrationId/webhook: how to set the webhook up and what arrived. */
export const WebhookInfoBody = z.object({
  /** The path to give GitHub or Jira (after the server's address). */
  path: z.string(),
  /** The events to subscribe to. */
  events: z.array(z.string()),
  /** The header the signature comes in. */
  signatureHeader: z.string(),
  hasSecret: z.boolean(),
  /** The newest accepted deliveries, newest first. */
  deliveries: z.array(WebhookDeliverySchema),
  /** Refused attempts since this server started: bad or missing signature, replays. */
  refused: z.object({ signature: z.number(), replay: z.number() }),
});

const integration = z.object({ integrationId: RowIdParam });

/** The routes of this file. */
export const webhookRoutes = [
  route({
    id: 'webhooks.github',
    method: 'POST',
    path: '/api/webhooks/github/:integrationId',
    params: integration,
    summary: 'A GitHub webhook delivery (X-Hub-Signature-256, X-GitHub-Delivery); no session',
    tag: 'Webhooks',
    access: 'public',
    responses: { 200: WebhookAnswer, 202: WebhookAnswer },
  }),
  route({
    id: 'webhooks.jira',
    method: 'POST',
    path: '/api/webhooks/jira/:integrationId',
    params: integration,
    summary: 'A Jira webhook delivery (X-Hub-Signature, X-Atlassian-Webhook-Identifier); no session',
    tag: 'Webhooks',
    access: 'public',
    responses: { 200: WebhookAnswer, 202: WebhookAnswer },
  }),
  route({
    id: 'integrations.webhookSecret',
    method: 'POST',
    path: '/api/integrations/:integrationId/webhook-secret',
    params: integration,
    summary: "Issue (or rotate) an integration's webhook secret; shown this once",
    tag: 'Webhooks',
    access: 'user',
    responses: { 200: WebhookSecretBody },
  }),
  route({
    id: 'integrations.webhook',
    method: 'GET',
    path: '/api/integrations/:integrationId/webhook',
    params: integration,
    summary: 'The webhook to set up (path, events, signature header) and the last deliveries',
    tag: 'Webhooks',
    access: 'user',
    responses: { 200: WebhookInfoBody },
  }),
];
