/**
 * The one path every Jira answer takes: HTTP Basic (`email:apiToken`) against the configured
 * accounts, then the per-account request limit (429 with `Retry-After` in seconds), then the
 * route's body.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SimContext } from '../context.ts';
import { errorBody, sendJson } from '../http.ts';
import { retryAfterSeconds } from '../rate-limit.ts';

/** What a Jira route handler computes. */
export interface JiraAnswer {
  status: number;
  body: unknown;
}

/** The `Authorization` header for a Jira account: `Basic base64(email:apiToken)`. */
export function jiraBasicAuth(email: string, apiToken: string): string {
  return `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
}

/** The account of a valid Basic header (Cloud) or Bearer personal access token (Data Center), else undefined. */
function accountOf(ctx: SimContext, header: string | undefined): string | undefined {
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (bearer) return ctx.jira.personalAccessTokens.get(bearer[1]!);
  const match = /^basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  return ctx.jira.credentials.get(Buffer.from(match[1]!, 'base64').toString('utf8'));
}

/** Builds the responder for one simulator. */
export function jiraResponder(ctx: SimContext) {
  return function answer(request: FastifyRequest, reply: FastifyReply, compute: () => JiraAnswer): FastifyReply {
    const account = accountOf(ctx, request.headers.authorization);
    if (account === undefined) {
      return sendJson(reply, 401, errorBody('jira', 'Client must be authenticated to access this resource.'));
    }
    const limit = ctx.jira.limiter.take(account);
    if (!limit.allowed) {
      reply.headers({
        'retry-after': String(retryAfterSeconds(limit.resetAt, ctx.now())),
        'x-ratelimit-limit': String(limit.limit),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': new Date(limit.resetAt).toISOString(),
      });
      return sendJson(reply, 429, errorBody('jira', 'Rate limit exceeded.'));
    }
    const result = compute();
    return sendJson(reply, result.status, result.body);
  };
}
