/** A Server-Sent Events stream on a hijacked reply: headers, keepalive comments, one close path. */
import type { OutgoingHttpHeaders } from 'node:http';
import type { StreamEvents } from '@agiletrack/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';

const KEEPALIVE_MS = 15_000;

/** An open stream of the events `S` names. */
export interface SseStream<S extends StreamEvents = StreamEvents> {
  /** Sends one event; ignored after close. */
  send<K extends keyof S & string>(event: K, data: z.input<S[K]>): void;
  /** Runs `cleanup` once, when the stream closes (client gone or `close()`). */
  onClose(cleanup: () => void): void;
  close(): void;
}

// The streams open on each server: they never end by themselves, so closing the server ends them.
const openStreams = new WeakMap<FastifyInstance, Set<SseStream>>();

/** Ends every stream open on `app` when it closes, so shutting down does not wait for clients. */
export function closeStreamsOnShutdown(app: FastifyInstance): void {
  app.addHook('preClose', async () => {
    for (const stream of openStreams.get(app) ?? []) stream.close();
  });
}

/** Starts an SSE response of `_events`' events; the caller registers what to stop on close. */
export function openSse<S extends StreamEvents>(
  request: FastifyRequest,
  reply: FastifyReply,
  _events: S,
): SseStream<S> {
  reply.hijack();
  const raw = reply.raw;
  // A hijacked reply sends nothing Fastify holds and runs no onSend hook: the security headers
  // are written here with the stream's own.
  raw.writeHead(200, {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    ...request.server.securityHeaders.for(request, false),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
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
  const stream: SseStream<S> = {
    send(event, data) {
      if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(cleanup) {
      if (closed) cleanup();
      else cleanups.push(cleanup);
    },
    close,
  };
  const streams = openStreams.get(request.server) ?? new Set();
  openStreams.set(request.server, streams);
  streams.add(stream);
  cleanups.push(() => streams.delete(stream));
  return stream;
}
