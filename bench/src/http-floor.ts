/**
 * The floor of `npm run bench:http`: a bare Fastify route sending the same bytes as the measured
 * AgileTrack route, in its own process. Prints `listening <port>` when ready.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.env.FLOOR_BODY_FILE!, 'utf8');
const app = Fastify({ logger: false });
app.get('/floor', (_request, reply) => {
  reply.header('content-type', 'application/json; charset=utf-8').send(body);
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening ${new URL(address).port}`);
