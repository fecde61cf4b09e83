/** Webhook deliveries: checked and applied by the webhook service; no session. */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IntegrationKindName } from '../../connectors/connector.ts';
import type { AppDeps } from '../deps.ts';
import type { HandlersOf } from '../routing.ts';

/** See the file comment. */
export function webhookRoutes(deps: AppDeps): HandlersOf<'webhooks'> {
  const receive =
    (kind: IntegrationKindName) =>
    async (context: { request: FastifyRequest; reply: FastifyReply; params: { integrationId: number | null } }) => {
      const { request, reply, params } = context;
      const result = await deps.webhooks.receive({
        kind,
        integrationId: params.integrationId,
        headers: request.headers,
        raw: request.rawBody,
        body: request.body,
      });
      reply.code(result.status);
      return result.body;
    };
  return { 'webhooks.github': receive('github'), 'webhooks.jira': receive('jira') };
}
