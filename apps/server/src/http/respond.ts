/**
 * Answers a cacheable GET: strong ETag of the body (one per content coding), `304` on
 * `If-None-Match`, `X-Cache` and `X-Cache-Tier` from the cache's status, and `Cache-Control:
 * no-cache` honoured as a bypass unless the request is a revalidation. A `304` carries only `ETag`,
 * `Cache-Control` and `Vary` (RFC 9110 §15.4.5).
 */
import { createHash } from 'node:crypto';
import type { CacheStatus } from '@agiletrack/cache';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { compressSync, type Encoding, encodedEtag, MIN_COMPRESSED_BYTES, negotiateEncoding } from './compression.ts';

const X_CACHE: Record<NonNullable<CacheStatus['result']>, string> = {
  hit: 'HIT',
  stale: 'STALE',
  miss: 'MISS',
  bypass: 'BYPASS',
};

/** The `Cache-Control` of every cached answer: the browser keeps it but revalidates each use. */
export const CACHED_CACHE_CONTROL = 'private, no-cache';
/** The `Vary` of every cached answer: per user, and per content coding. */
export const CACHED_VARY = 'Cookie, Authorization, Accept-Encoding';

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

/** Whether `If-None-Match` lists `etag` (or `*`), compared weakly as RFC 9110 asks. */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag) return true; // what a browser revalidating its copy sends
  const list = (Array.isArray(header) ? header.join(',') : header).split(',').map((t) => t.trim().replace(/^W\//, ''));
  return list.includes(etag) || list.includes('*');
}

/** A JSON body serialized once, with its ETag and, once asked for, its compressed forms. */
export class PreparedBody {
  /** The field the body wraps the value in (`{metrics: …}`). */
  readonly field: string;
  readonly bytes: Buffer;
  /** The identity representation's strong ETag. */
  readonly etag: string;
  private br: Buffer | undefined = undefined;
  private gzip: Buffer | undefined = undefined;
  private responses: PreparedResponse[] | undefined = undefined;

  constructor(field: string, bytes: Buffer) {
    this.field = field;
    this.bytes = bytes;
    this.etag = `"${createHash('sha1').update(bytes).digest('base64url')}"`;
  }

  /** The coding this body goes out in for a client that accepts `accepted` (none when small). */
  encodingFor(accepted: Encoding | undefined): Encoding | undefined {
    return this.bytes.length < MIN_COMPRESSED_BYTES ? undefined : accepted;
  }

  /** The bytes in `encoding`, compressed on first use. */
  payload(encoding: Encoding | undefined): Buffer {
    if (encoding === 'br') {
      this.br ??= compressSync(this.bytes, 'br');
      return this.br;
    }
    if (encoding === 'gzip') {
      this.gzip ??= compressSync(this.bytes, 'gzip');
      return this.gzip;
    }
    return this.bytes;
  }

  /**
   * The complete answer in `encoding` from the memory tier, with the `security` headers (one of a
   * few constant sets): built on first use, then the same arrays for every request.
   */
  response(encoding: Encoding | undefined, security: Readonly<Record<string, string>>): PreparedResponse {
    this.responses ??= [];
    for (const ready of this.responses) if (ready.encoding === encoding && ready.security === security) return ready;
    const ready = new PreparedResponse(this, encoding, security);
    this.responses.push(ready);
    return ready;
  }
}

/**
 * A cached body's answer as {@link sendCached} gives it on a memory-tier hit, as `writeHead`
 * header lists (name, value, name, value…) for the 200 and the 304.
 */
export class PreparedResponse {
  readonly etag: string;
  readonly payload: Buffer;
  readonly ok: string[];
  readonly notModified: string[];

  constructor(
    body: PreparedBody,
    readonly encoding: Encoding | undefined,
    readonly security: Readonly<Record<string, string>>,
  ) {
    this.etag = encodedEtag(body.etag, encoding);
    this.payload = body.payload(encoding);
    this.notModified = ['etag', this.etag, 'cache-control', CACHED_CACHE_CONTROL, 'vary', CACHED_VARY];
    this.ok = [
      ...this.notModified,
      'x-cache',
      X_CACHE.hit,
      'x-cache-tier',
      tierLabel('memory'),
      'content-type',
      'application/json; charset=utf-8',
      ...(encoding === undefined ? [] : ['content-encoding', encoding]),
      ...Object.entries(security).flat(),
      'content-length',
      String(this.payload.length),
    ];
  }
}

// A value served from L1 is the frozen object the cache holds: serialize and hash it once, not on
// every hit, and keep the bytes to send. Values built per request (a list filtered for one user)
// are not frozen and not kept.
const prepared = new WeakMap<object, PreparedBody>();

/** The body `{field: value}` serialized, from memory when `value` is a frozen cached object. */
export function prepare(body: Record<string, unknown>): PreparedBody {
  let field: string | undefined;
  let count = 0;
  for (const key in body) {
    field = key;
    count++;
  }
  const value = count === 1 ? body[field!] : undefined;
  const frozen = typeof value === 'object' && value !== null && Object.isFrozen(value);
  if (frozen) {
    const memo = prepared.get(value);
    if (memo !== undefined && memo.field === field) return memo;
  }
  const result = new PreparedBody(count === 1 ? field! : '', Buffer.from(JSON.stringify(body)));
  if (frozen) prepared.set(value, result);
  return result;
}

/** The body prepared for a frozen cached `value` under `field`, if it was prepared before. */
export function preparedOf(value: object, field: string): PreparedBody | undefined {
  const memo = prepared.get(value);
  return memo !== undefined && memo.field === field ? memo : undefined;
}

/** The body of a frozen cached `value` as `{field: value}`, prepared once. */
export function preparedFor(value: object, field: string): PreparedBody {
  return preparedOf(value, field) ?? prepare({ [field]: value });
}

/** Sends `body` (`{field: value}`) as JSON with the cache headers; `304` when the client already has it. */
export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  body: Record<string, unknown>,
  status: CacheStatus,
): FastifyReply {
  const ready = prepare(body);
  const encoding = ready.encodingFor(negotiateEncoding(request.headers['accept-encoding']));
  const etag = encodedEtag(ready.etag, encoding);
  reply.header('etag', etag).header('cache-control', CACHED_CACHE_CONTROL).header('vary', CACHED_VARY);
  if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  reply
    .header('x-cache', X_CACHE[status.result ?? 'miss'])
    .header('x-cache-tier', tierLabel(status.tier))
    .header('content-type', 'application/json; charset=utf-8');
  if (encoding !== undefined) reply.header('content-encoding', encoding);
  return reply.send(ready.payload(encoding));
}
