/**
 * Answers a cacheable GET: strong ETag of the body, `304` on `If-None-Match`, `X-Cache` and
 * `X-Cache-Tier` from the cache's status, and `Cache-Control: no-cache` honoured as a bypass unless the
 * request is a revalidation.
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
function tierLabel(tier: string | undefined): string {
  if (tier === undefined || tier === 'origin') return 'origin';
  return tier === 'memory' ? 'l1' : 'l2';
}

/**
 * Whether the request asked to bypass every cache tier: `no-cache` without `If-None-Match`.
 * Browsers add `no-cache` to any `fetch` that carries `If-None-Match`, so with it the request is a
 * revalidation, answered from the cache.
 */
export function wantsFresh(request: FastifyRequest): boolean {
  if (request.headers['if-none-match'] !== undefined) return false;
  const header = request.headers['cache-control'];
  return typeof header === 'string' && /\bno-cache\b/i.test(header);
}

/** Whether `If-None-Match` lists `etag` (or `*`). */
function matches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag) return true; // what a browser revalidating its copy sends
  const list = (Array.isArray(header) ? header.join(',') : header).split(',').map((t) => t.trim().replace(/^W\//, ''));
  return list.includes(etag) || list.includes('*');
}

// A value served from L1 is the frozen object the cache holds: serialize and hash it once, not on
// every hit, and keep the bytes to send. Values built per request (a list filtered for one user)
// are not frozen and not kept.
const encoded = new WeakMap<object, { field: string; bytes: Buffer; etag: string }>();

function encode(body: Record<string, unknown>): { bytes: Buffer; etag: string } {
  const fields = Object.keys(body);
  const field = fields.length === 1 ? fields[0]! : undefined;
  const value = field === undefined ? undefined : body[field];
  const frozen = typeof value === 'object' && value !== null && Object.isFrozen(value);
  if (frozen) {
    const memo = encoded.get(value);
    if (memo !== undefined && memo.field === field) return memo;
  }
  const bytes = Buffer.from(JSON.stringify(body));
  const result = { field: field ?? '', bytes, etag: `"${createHash('sha1').update(bytes).digest('base64url')}"` };
  if (frozen) encoded.set(value, result);
  return result;
}

/** Sends `body` (`{field: value}`) as JSON with the cache headers; `304` when the client already has it. */
export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  body: Record<string, unknown>,
  status: CacheStatus,
): FastifyReply {
  const { bytes, etag } = encode(body);
  reply
    .header('ETag', etag)
    .header('Cache-Control', 'private, no-cache')
    .header('Vary', 'Cookie, Authorization')
    .header('X-Cache', X_CACHE[status.result ?? 'miss'])
    .header('X-Cache-Tier', tierLabel(status.tier));
  if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(bytes);
}
