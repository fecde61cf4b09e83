/**
 * Preloaded into the measured server by `npm run bench:http` (NODE_OPTIONS=--import): inside the
 * app's process, a bare Fastify route on its own port sending the bytes of `BENCH_BARE_BODY_FILE`
 * (read when first asked: the bench writes it once the server answers), the reference line for
 * what the process costs before any app code runs; and the heap counters the allocation measure
 * reads (`/heap/mark` collects garbage and, once that collection is reported, counts collections
 * from there; `/heap` reads them).
 * Plain JavaScript, so it loads before tsx. Prints `bare listening <port>`.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Fastify from 'fastify';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
let collections = 0;
/** Resolves the mark's wait once the observer has reported the collection the mark forced. */
let reported;
new PerformanceObserver((list) => {
  collections += list.getEntries().length;
  reported?.();
}).observe({ entryTypes: ['gc'] });

let body;
const app = Fastify({ logger: false });
app.get('/floor', (_request, reply) => {
  body ??= readFileSync(process.env.BENCH_BARE_BODY_FILE, 'utf8');
  reply.header('content-type', 'application/json; charset=utf-8').send(body);
});
app.get('/heap/mark', async () => {
  // The observer reports a collection after it ran: wait for the report of this one, so that it
  // is not counted as one that ran during the measured requests.
  const seen = new Promise((resolve) => {
    reported = resolve;
  });
  gc();
  await seen;
  reported = undefined;
  collections = 0;
  return { used: process.memoryUsage().heapUsed };
});
app.get('/heap', (_request, reply) => {
  reply.send({ used: process.memoryUsage().heapUsed, collections });
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`bare listening ${new URL(address).port}`);
