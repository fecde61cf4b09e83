/**
 * A `fetch` for the connectors that obeys the outbound policy: the URL is checked before the
 * request, and the socket connects through the guard's lookup, so the address connected to is
 * the address checked (no DNS rebinding between the two). Redirects are never followed here:
 * the caller sees the 3xx and decides. Answers are asked for gzipped (GitHub and Jira Cloud send
 * it: a sync receives a fraction of the bytes) and decoded here, with a bound on the decoded size
 * so a hostile host cannot send a small bomb.
 */
import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { OutboundGuard } from './outbound.ts';

/** The subset of `fetch` the HTTP client uses. */
export type OutboundFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<Response>;

// Statuses whose Response may not carry a body.
const NULL_BODY = new Set([101, 204, 205, 304]);

/** The most a gzipped answer may decode to: far above any page an upstream API sends. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

/** The body of `response`, gunzipped when it is gzip, failing past {@link MAX_DECODED_BYTES}. */
function decoded(response: http.IncomingMessage): Readable {
  if (!/^\s*(x-)?gzip\s*$/i.test(response.headers['content-encoding'] ?? '')) return response;
  let total = 0;
  const bound = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      done(
        total > MAX_DECODED_BYTES ? new Error(`the answer decodes to more than ${MAX_DECODED_BYTES} bytes`) : null,
        chunk,
      );
    },
  });
  return pipeline(response, createGunzip(), bound, () => {});
}

/** Builds the guarded fetch. */
export function outboundFetch(guard: OutboundGuard): OutboundFetch {
  return async (url, init) => {
    const target = new URL(url);
    await guard.check(target);
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const request = transport.request(
        target,
        {
          method: init.method,
          headers: { 'accept-encoding': 'gzip', ...init.headers },
          lookup: guard.lookupFor(target),
          ...(init.signal && { signal: init.signal }),
        },
        (response) => {
          const headers = new Headers();
          const raw = response.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
          // The body handed on is decoded; `content-length` stays the size that crossed the network.
          headers.delete('content-encoding');
          const status = response.statusCode ?? 502;
          const empty = NULL_BODY.has(status) || init.method === 'HEAD';
          if (empty) response.resume();
          const body = empty ? null : (Readable.toWeb(decoded(response)) as ReadableStream<Uint8Array>);
          resolve(new Response(body, { status, statusText: response.statusMessage ?? '', headers }));
        },
      );
      request.on('error', reject);
      request.end(init.body);
    });
  };
}
