/**
 * The webhook routes need the body's exact bytes (the signature is over them): for those routes the
 * body is read once, kept as `request.rawBody`, and handed to the JSON parser as it was. The app's
 * body limit bounds it like any other.
 */
import { Readable } from 'node:stream';
import { API_ROUTES } from '@agiletrack/domain';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body as received, on webhook routes. */
    rawBody?: Buffer;
  }
}

/** The paths of the table's webhook routes. */
const WEBHOOK_PATHS = new Set(API_ROUTES.filter((spec) => spec.id.startsWith('webhooks.')).map((spec) => spec.path));

/** Keeps the raw body of requests to the webhook routes. */
export function keepWebhookBodies(app: FastifyInstance, limit: number): void {
  app.decorateRequest('rawBody', undefined);
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!WEBHOOK_PATHS.has(request.routeOptions.url ?? '')) return payload;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new AppError('E_PAYLOAD_TOO_LARGE', `a webhook body may be at most ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
    request.rawBody = Buffer.concat(chunks);
    return Readable.from([request.rawBody]);
  });
}
