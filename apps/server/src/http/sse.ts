/** A Server-Sent Events stream on a hijacked reply: headers, keepalive comments, one close path. */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

const KEEPALIVE_MS = 15_000;

/** An open stream. */
export interface SseStream {
  /** Sends one event; ignored after close. */
  send(event: string, data: unknown): void;
  /** Runs `cleanup` once, when the stream closes (client gone or `close()`). */
  onClose(cleanup: () => void): void;
  close(): void;
}

/**
 * Hijacks `reply` and writes the head of an event stream. A hijacked reply sends nothing Fastify
 * holds, so the headers set before (the security headers) are written here with the stream's own.
 */
export function startSse(reply: FastifyReply): FastifyReply['raw'] {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  return raw;
}

/** Starts an SSE response; the caller registers what to stop on close. */
export function openSse(request: FastifyRequest, reply: FastifyReply): SseStream {
  const raw = startSse(reply);
  raw.write('retry: 2000\n\n');
  const cleanups: (() => void)[] = [];
  let closed = false;
  const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    for (const cleanup of cleanups) cleanup();
    raw.end();
  };
  request.raw.on('close', close);
  return {
    send(event, data) {
      if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(cleanup) {
      if (closed) cleanup();
      else cleanups.push(cleanup);
    },
    close,
  };
}
