/**
 * Response compression: brotli or gzip as the client's `Accept-Encoding` asks, for compressible
 * types (JSON, JavaScript, CSS, HTML, text, SVG) from {@link MIN_COMPRESSED_BYTES} up. Three paths:
 *
 * - cached JSON (`respond.ts`) is compressed once per cached value and kept beside its bytes;
 * - the dashboard's files are compressed at build time, and `@fastify/static` serves the `.br` /
 *   `.gz` file beside the asked one (`routes/web.ts`);
 * - everything else (other JSON answers, the API documentation's files) goes through the
 *   `onSend` hook here.
 *
 * A compressed answer has its own strong ETag (`"…-br"`, `"…-gz"`), as RFC 9110 asks of different
 * representations, and every compressible answer says `Vary: Accept-Encoding`. Event streams are
 * hijacked replies written as they go: nothing here buffers them.
 */
import type { Readable } from 'node:stream';
import {
  type BrotliOptions,
  brotliCompress,
  brotliCompressSync,
  constants,
  createBrotliCompress,
  createGzip,
  gzip,
  gzipSync,
  type ZlibOptions,
} from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Bodies smaller than this go out as they are: compressing them saves less than it costs. */
export const MIN_COMPRESSED_BYTES = 1024;

/** A content coding this server sends. */
export type Encoding = 'br' | 'gzip';

// Dynamic answers: brotli at 4 compresses about as fast as gzip at 6 and better.
const BROTLI_DYNAMIC: BrotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };
// A cached value is compressed once and sent many times: worth a higher quality.
const BROTLI_CACHED: BrotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } };
const GZIP: ZlibOptions = { level: 6 };

const COMPRESSIBLE = /^(?:text\/|application\/(?:json|javascript|xml|[\w.+-]*\+json)|image\/svg\+xml)/i;

/** Whether a `Content-Type` names a type worth compressing. */
export function isCompressible(contentType: unknown): boolean {
  return (
    typeof contentType === 'string' && COMPRESSIBLE.test(contentType) && !contentType.startsWith('text/event-stream')
  );
}

// Clients send a handful of distinct headers: remember the answer for each (bounded).
const negotiated = new Map<string, Encoding | undefined>();
const NEGOTIATED_MAX = 64;

/** The coding to answer with for an `Accept-Encoding` header: brotli, else gzip, else none. */
export function negotiateEncoding(header: string | string[] | undefined): Encoding | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const known = negotiated.get(header);
  if (known !== undefined || negotiated.has(header)) return known;
  const encoding = parseAcceptEncoding(header);
  if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
  negotiated.set(header, encoding);
  return encoding;
}

function parseAcceptEncoding(header: string): Encoding | undefined {
  const quality: Record<string, number> = {};
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    quality[name.trim()] = q === undefined ? 1 : Number(q) || 0;
  }
  const of = (name: string) => quality[name] ?? quality['*'] ?? 0;
  const br = of('br');
  const gz = Math.max(of('gzip'), quality['x-gzip'] ?? 0);
  if (br > 0 && br >= gz) return 'br';
  return gz > 0 ? 'gzip' : undefined;
}

/** The ETag of the `encoding` representation of a body whose identity ETag is `etag`. */
export function encodedEtag(etag: string, encoding: Encoding | undefined): string {
  if (encoding === undefined || !etag.endsWith('"')) return etag;
  return `${etag.slice(0, -1)}-${encoding === 'br' ? 'br' : 'gz'}"`;
}

/** Compresses `bytes` once (for a value that is sent many times). */
export function compressSync(bytes: Buffer, encoding: Encoding): Buffer {
  return encoding === 'br' ? brotliCompressSync(bytes, BROTLI_CACHED) : gzipSync(bytes, GZIP);
}

/** Adds `Accept-Encoding` to the reply's `Vary`, once. */
export function varyOnEncoding(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  if (vary === undefined) {
    reply.header('vary', 'Accept-Encoding');
    return;
  }
  const text = String(vary);
  if (!/(?:^|,)\s*(?:accept-encoding|\*)\s*(?:,|$)/i.test(text)) reply.header('vary', `${text}, Accept-Encoding`);
}

function isStream(payload: unknown): payload is Readable {
  return typeof payload === 'object' && payload !== null && typeof (payload as Readable).pipe === 'function';
}

/** Adds the `onSend` hook that compresses the answers nothing compressed before. */
export function registerCompression(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const status = reply.statusCode;
    if (
      payload === null ||
      payload === undefined ||
      status < 200 ||
      status === 204 ||
      status === 304 ||
      reply.hasHeader('content-encoding') ||
      !isCompressible(reply.getHeader('content-type'))
    ) {
      return done(null, payload);
    }
    varyOnEncoding(reply);
    const encoding = negotiateEncoding(request.headers['accept-encoding']);
    if (encoding === undefined || request.method === 'HEAD') return done(null, payload);
    if (isStream(payload)) {
      const length = Number(reply.getHeader('content-length'));
      if (length < MIN_COMPRESSED_BYTES) return done(null, payload);
      encodeHeaders(reply, encoding);
      const compressor = encoding === 'br' ? createBrotliCompress(BROTLI_DYNAMIC) : createGzip(GZIP);
      payload.on('error', (error) => compressor.destroy(error));
      return done(null, payload.pipe(compressor));
    }
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (bytes.length < MIN_COMPRESSED_BYTES) return done(null, payload);
    const finish = (error: Error | null, compressed: Buffer) => {
      if (error) return done(error);
      encodeHeaders(reply, encoding);
      done(null, compressed);
    };
    if (encoding === 'br') brotliCompress(bytes, BROTLI_DYNAMIC, finish);
    else gzip(bytes, GZIP, finish);
  });
}

function encodeHeaders(reply: FastifyReply, encoding: Encoding): void {
  reply.header('content-encoding', encoding);
  reply.removeHeader('content-length');
  const etag = reply.getHeader('etag');
  if (typeof etag === 'string') reply.header('etag', encodedEtag(etag, encoding));
}

// Requests whose If-None-Match named the compressed form of a file: their 304 names it again.
const revalidatedCoding = new WeakMap<object, Encoding>();

/**
 * Revalidation of files that `@fastify/send` serves and this hook compresses (the API
 * documentation's): send compares `If-None-Match` with the file's own ETag, but the client holds
 * the tag of the compressed form (`W/"…-br"`). When the client names the form it would get now,
 * the tag is given back to send without the coding, and the 304 carries the coded tag again.
 * Registers on `instance`: the plugin context whose static files need it.
 */
export function registerEncodedRevalidation(instance: FastifyInstance): void {
  instance.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers['if-none-match'];
    const encoding = negotiateEncoding(request.headers['accept-encoding']);
    if (typeof header === 'string' && encoding !== undefined) {
      const suffix = encoding === 'br' ? '-br"' : '-gz"';
      if (header.includes(suffix)) {
        request.headers['if-none-match'] = header.replaceAll(suffix, '"');
        revalidatedCoding.set(request, encoding);
      }
    }
    done();
  });
  instance.addHook('onSend', (request, reply, payload, done) => {
    const encoding = revalidatedCoding.get(request);
    const etag = reply.getHeader('etag');
    if (reply.statusCode === 304 && encoding !== undefined && typeof etag === 'string') {
      reply.header('etag', encodedEtag(etag, encoding));
    }
    done(null, payload);
  });
}
