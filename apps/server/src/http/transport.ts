/**
 * Connection limits and the answers Node's HTTP parser gives before Fastify sees a request: a
 * request (headers and body) must arrive within `REQUEST_TIMEOUT_MS` (408), headers within at
 * most 15 s, idle keep-alive connections close after `KEEP_ALIVE_TIMEOUT_MS`; oversized headers
 * (431) and malformed HTTP (400) get the API's `{error: {code, message}}` body too.
 */
import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';

// How often Node looks for requests past their deadline; the cut happens within this of it.
const CHECK_INTERVAL_MS = 1_000;

/** The Fastify options that set these limits. */
export type TransportOptions = Pick<
  FastifyServerOptions,
  'requestTimeout' | 'keepAliveTimeout' | 'clientErrorHandler'
> & {
  http: { headersTimeout: number; connectionsCheckingInterval: number };
};

/** Fastify options for the limits above. */
export function transportOptions(config: Config): TransportOptions {
  return {
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(config.REQUEST_TIMEOUT_MS, 15_000),
      connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, config.REQUEST_TIMEOUT_MS),
    },
    clientErrorHandler,
  };
}

const ANSWERS: Record<string, [number, string, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'E_REQUEST_TIMEOUT', 'the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'E_HEADERS_TOO_LARGE',
    'the request headers are too large',
  ],
};

/** Answers a request Node could not parse or that timed out, then closes the connection. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] = ANSWERS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'E_BAD_REQUEST',
    'malformed HTTP request',
  ];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
