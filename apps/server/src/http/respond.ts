/**
 * Answers a cacheable GET: strong ETag of the body, `304` on `If-None-Match`, `X-Cache` and
 * `X-Cache-Tier` from the cache's status, and `Cache-Control: no-cache` honoured as a bypass.
 */
import { createHash } from 'node:crypto';
import type { CacheStatus } from '@agiletrack/cache';
import type { FastifyReply, FastifyRequest } from 'fastify';

const X_CACHE: Record<NonNullable<CacheStatus['result']>, string> = {
  hit: 'HIT',
  stale: 'STALE',
  miss: 'MISS',
  bypass: 'BYPASS',
};

/** `l1` for the memory tier, `l2` for Redis/Postgres, `origin` for the database. */
export function tierLabel(tier: string | undefined): string {
  if (tier === undefined || tier === 'origin') return 'origin';
  return tier === 'memory' ? 'l1' : 'l2';
}

/** Whether the request asked to bypass every cache tier. */
export function wantsFresh(request: FastifyRequest): boolean {
  const header = request.headers['cache-control'];
  return typeof header === 'string' && /\bno-cache\b/i.test(header);
}

/** Whether `If-None-Match` lists `etag` (or `*`). */
function matches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const list = (Array.isArray(header) ? header.join(',') : header).split(',').map((t) => t.trim().replace(/^W\//, ''));
  return list.includes(etag) || list.includes('*');
}

/** Sends `body` as JSON with the cache headers; `304` when the client already has it. */
export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  status: CacheStatus,
): FastifyReply {
  const json = JSON.stringify(body);
  const etag = `"${createHash('sha1').update(json).digest('base64url')}"`;
  reply
    .header('ETag', etag)
    .header('Cache-Control', 'private, no-cache')
    .header('Vary', 'Cookie, Authorization')
    .header('X-Cache', X_CACHE[status.result ?? 'miss'])
    .header('X-Cache-Tier', tierLabel(status.tier));
  if (!wantsFresh(request) && matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(json);
}
