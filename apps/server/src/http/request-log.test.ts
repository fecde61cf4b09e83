import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { addRequestLog } from './request-log.ts';

describe('request log', () => {
  it('logs each request at debug with X-Cache, the tier and the duration', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const app = Fastify();
    addRequestLog(app, logger);
    app.get('/x', async (_request, reply) =>
      reply.header('X-Cache', 'HIT').header('X-Cache-Tier', 'l1').send({ ok: 1 }),
    );
    expect((await app.inject({ method: 'GET', url: '/x' })).statusCode).toBe(200);
    await app.close();
    expect(lines.filter((line) => line.msg === 'request completed')).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: '/x',
        status: 200,
        cache: 'HIT',
        tier: 'l1',
        ms: expect.any(Number),
      }),
    ]);
  });
});
