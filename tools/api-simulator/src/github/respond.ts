/**
 * The one path every GitHub answer takes: authentication, the conditional request (ETag →
 * 304, which spends no rate limit, as on GitHub), the secondary then primary rate limit, and the
 * `x-ratelimit-*` headers. Route handlers only compute a status and a body.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SimContext } from '../context.ts';
import { errorBody, sendJson } from '../http.ts';
import { retryAfterSeconds, type WindowState } from '../rate-limit.ts';

/** What a GitHub route handler computes. */
export interface GitHubAnswer {
  status: number;
  body: unknown;
  /** A `Link` header value (pagination). */
  link?: string;
}

/** Options of one answer. */
export interface AnswerOptions {
  /** Spend no rate limit (GitHub's `GET /rate_limit` is free). */
  free?: boolean;
}

/** A strong ETag: a hash of the exact body bytes. */
export function etagOf(json: string): string {
  return `"${createHash('sha256').update(json).digest('hex').slice(0, 40)}"`;
}

/** Whether an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 asks for GET). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

/** The token of an `Authorization: Bearer <t>` or `token <t>` header. */
export function tokenOf(header: string | undefined): string | undefined {
  const match = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function rateHeaders(state: WindowState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': String(Math.ceil(state.resetAt / 1000)),
    'x-ratelimit-used': String(state.used),
    'x-ratelimit-resource': 'core',
  };
}

/** Builds the responder for one simulator. */
export function gitHubResponder(ctx: SimContext) {
  return function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    compute: (token: string) => GitHubAnswer,
    options: AnswerOptions = {},
  ): FastifyReply {
    const header = request.headers.authorization;
    const token = tokenOf(header);
    if (token === undefined || !ctx.github.tokens.has(token)) {
      return sendJson(reply, 401, errorBody('github', header ? 'Bad credentials' : 'Requires authentication'));
    }

    const result = compute(token);
    const json = JSON.stringify(result.body);
    const etag = result.status === 200 ? etagOf(json) : undefined;
    // Headers that belong to the resource; a 403/429 answer is not the resource and gets none.
    const resourceHeaders = (): void => {
      if (etag !== undefined) reply.header('etag', etag);
      if (result.link) reply.header('link', result.link);
      reply.header('cache-control', 'private, max-age=60, s-maxage=60');
      reply.header('vary', 'Accept, Authorization');
    };

    if (etag !== undefined && ifNoneMatchHits(request.headers['if-none-match'], etag)) {
      resourceHeaders();
      reply.headers(rateHeaders(ctx.github.primary.peek(token)));
      return reply.code(304).send();
    }
    if (options.free) {
      resourceHeaders();
      reply.headers(rateHeaders(ctx.github.primary.peek(token)));
      return sendJson(reply, result.status, json);
    }

    const primary = ctx.github.primary.peek(token);
    if (primary.remaining === 0) {
      reply.headers(rateHeaders(primary));
      return sendJson(reply, 403, errorBody('github', 'API rate limit exceeded for this token.'));
    }
    const secondary = ctx.github.secondary?.take(token);
    if (secondary && !secondary.allowed) {
      reply.headers(rateHeaders(primary));
      reply.header('retry-after', String(retryAfterSeconds(secondary.resetAt, ctx.now())));
      return sendJson(
        reply,
        429,
        errorBody(
          'github',
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        ),
      );
    }
    resourceHeaders();
    reply.headers(rateHeaders(ctx.github.primary.take(token)));
    return sendJson(reply, result.status, json);
  };
}
