/**
 * A `fetch` for the connectors that obeys the outbound policy: the URL is checked before the
 * request, and the socket connects through the guard's lookup, so the address connected to is
 * the address checked (no DNS rebinding between the two). Redirects are never followed here:
 * the caller sees the 3xx and decides.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { OutboundGuard } from './outbound.ts';

/** The subset of `fetch` the HTTP client uses. */
export type OutboundFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<Response>;

// Statuses whose Response may not carry a body.
const NULL_BODY = new Set([101, 204, 205, 304]);

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
          headers: init.headers,
          lookup: guard.lookupFor(target),
          ...(init.signal && { signal: init.signal }),
        },
        (response) => {
          const headers = new Headers();
          const raw = response.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
          const status = response.statusCode ?? 502;
          const empty = NULL_BODY.has(status) || init.method === 'HEAD';
          if (empty) response.resume();
          const body = empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
          resolve(new Response(body, { status, statusText: response.statusMessage ?? '', headers }));
        },
      );
      request.on('error', reject);
      request.end(init.body);
    });
  };
}
