/**
 * `npm run bench:http`: the HTTP path of `GET /api/teams/1/metrics` against its floor. Starts the
 * server (`npm start`'s entry point) in the embedded mode, and in the Redis mode when REDIS_URL and
 * DATABASE_URL answer, each with the demo data; measures with autocannon (10 connections) the
 * floor (a bare Fastify route sending the same bytes, another process), a cached GET (L1 hit), a
 * revalidation answered 304 and a forced refill (`Cache-Control: no-cache`); and writes the tables
 * into bench/RESULTS.md between the `bench:http` markers, with the machine and its load.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { renderFaults, runFaults } from './http-faults.ts';
import { cpuMs, loginCookie, MAIN, ROOT, reachable, spawnTs, stop, waitForDemoSync } from './http-process.ts';
import { describeMachine } from './machine.ts';
import { table } from './report.ts';

const FLOOR = join(ROOT, 'bench/src/http-floor.ts');
const IN_PROCESS = pathToFileURL(join(ROOT, 'bench/src/http-inprocess.mjs')).href;
const HISTORY_DAYS = 90;
/** Sequential cached GETs the allocation measure makes (few enough that no collection runs). */
const ALLOC_REQUESTS = 200;
const OUT = process.env.BENCH_OUT || join(ROOT, 'bench/RESULTS.md');
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS || 5);
const CONNECTIONS = 10;
const ROUTE = '/api/teams/1/metrics';
const [START, END] = ['<!-- bench:http -->', '<!-- /bench:http -->'] as const;
const [FAULTS_START, FAULTS_END] = ['<!-- bench:http-faults -->', '<!-- /bench:http-faults -->'] as const;
/** `BENCH_HTTP_ONLY=throughput` or `faults`: one of the two sections (default both). */
const ONLY = process.env.BENCH_HTTP_ONLY;
/** Runs of each fault case. `BENCH_FAULT_RUNS`. */
const FAULT_RUNS = Math.max(1, Number(process.env.BENCH_FAULT_RUNS || 3));

interface Row {
  mode: string;
  name: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  statuses: string;
  /** CPU time the server process spent per request (µs), when the OS tells. */
  cpuUs: number | undefined;
}

async function measure(
  mode: string,
  name: string,
  server: number | undefined,
  url: string,
  headers: Record<string, string>,
): Promise<Row> {
  const cpuBefore = cpuMs(server);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  const cpuAfter = cpuMs(server);
  const statuses = Object.entries({
    '2xx': result['2xx'],
    '3xx': result['3xx'],
    '4xx': result['4xx'],
    '5xx': result['5xx'],
  })
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  const row = {
    mode,
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts,
    statuses,
    cpuUs:
      cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
        ? undefined
        : Math.round(((cpuAfter - cpuBefore) * 1_000) / result.requests.total),
  };
  console.log(JSON.stringify(row));
  return row;
}

/** Bytes on the wire and allocation, per mode. */
interface Extra {
  mode: string;
  /** Bytes allocated per cached GET and per in-process bare request (undefined: a collection ran). */
  allocCached: number | undefined;
  allocBare: number | undefined;
  history: { raw: number; gzip: number; br: number };
  /** The login page's JavaScript as the server sends it to a browser asking for gzip, br. */
  loginJs: { raw: number; gzip: number; br: number };
}
const extras: Extra[] = [];

/** Bytes allocated per request to `url` (heap growth with no collection in between), best of three. */
async function allocationPer(bare: string, url: string, headers: Record<string, string>): Promise<number | undefined> {
  let best: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    await fetch(url, { headers }).then((r) => r.arrayBuffer());
    const before = (await (await fetch(`${bare}/heap/mark`)).json()) as { used: number };
    for (let i = 0; i < ALLOC_REQUESTS; i++) await fetch(url, { headers }).then((r) => r.arrayBuffer());
    const after = (await (await fetch(`${bare}/heap`)).json()) as { used: number; collections: number };
    if (after.collections > 0) continue;
    const per = Math.round((after.used - before.used) / ALLOC_REQUESTS);
    best = best === undefined ? per : Math.min(best, per);
  }
  return best;
}

/** Size of one GET with each Accept-Encoding, as sent (the body's bytes before decoding). */
async function wireBytes(
  url: string,
  headers: Record<string, string>,
): Promise<{ raw: number; gzip: number; br: number }> {
  const { request } = await import('node:http');
  const size = (encoding: string) =>
    new Promise<number>((resolve, reject) => {
      request(url, { headers: { ...headers, 'accept-encoding': encoding } }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        response.on('end', () => resolve(bytes));
      })
        .on('error', reject)
        .end();
    });
  return { raw: await size('identity'), gzip: await size('gzip'), br: await size('br') };
}

async function wireAndHeap(mode: string, base: string, bare: string, cookie: string): Promise<Extra> {
  const to = new Date();
  const from = new Date(to.getTime() - (HISTORY_DAYS - 1) * 86_400_000);
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const history = await wireBytes(`${base}/api/teams/1/metrics/history?from=${day(from)}&to=${day(to)}`, { cookie });
  // The login page: the entry chunk, the login page's chunk and what they import (from the build's manifest).
  const manifest = JSON.parse(readFileSync(join(ROOT, 'apps/web/dist/.vite/manifest.json'), 'utf8')) as Record<
    string,
    { file: string; isEntry?: boolean; imports?: string[] }
  >;
  const needed = new Set<string>();
  const add = (key: string) => {
    if (needed.has(key) || manifest[key] === undefined) return;
    needed.add(key);
    for (const imported of manifest[key].imports ?? []) add(imported);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) add(key);
  add('src/pages/LoginPage.tsx');
  const loginJs = { raw: 0, gzip: 0, br: 0 };
  for (const key of needed) {
    const size = await wireBytes(`${base}/${manifest[key]!.file}`, {});
    loginJs.raw += size.raw;
    loginJs.gzip += size.gzip;
    loginJs.br += size.br;
  }
  return {
    mode,
    allocCached: await allocationPer(bare, `${base}${ROUTE}`, { cookie }),
    allocBare: await allocationPer(bare, `${bare}/floor`, {}),
    history,
    loginJs,
  };
}

/** Starts the server in one mode, measures the four cases, stops it. */
async function runMode(mode: string, env: Record<string, string>): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agiletrack-bench-http-'));
  const bodyFile = join(dataDir, 'floor-body.json');
  const { child, match } = await spawnTs(
    MAIN,
    {
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      SECRET_KEY: randomBytes(32).toString('base64'),
      DEMO: 'true',
      DEMO_PASSWORDS: 'fixed',
      // The in-process reference route and the heap counters (http-inprocess.mjs).
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${IN_PROCESS}`.trim(),
      BENCH_BARE_BODY_FILE: bodyFile,
      ...env,
    },
    /^(?=[\s\S]*bare listening (\d+)\n)(?=[\s\S]*AgileTrack is running at (http:\/\/\S+)\s)/,
  );
  const bare = `http://127.0.0.1:${match[1]}`;
  const base = match[2]!;
  try {
    const cookie = await loginCookie(base);
    await waitForDemoSync(base, cookie);
    // Uncompressed, as autocannon asks: the ETag of that representation is the one it revalidates.
    const first = await fetch(`${base}${ROUTE}`, { headers: { cookie, 'accept-encoding': 'identity' } });
    const body = await first.text();
    const etag = first.headers.get('etag') ?? '';
    writeFileSync(bodyFile, body);
    const floor = await spawnTs(FLOOR, { FLOOR_BODY_FILE: bodyFile }, /listening (\d+)/);
    const rows: Row[] = [];
    try {
      rows.push(
        await measure(
          mode,
          `floor (bare Fastify, same ${Buffer.byteLength(body)} bytes)`,
          floor.child.pid,
          `http://127.0.0.1:${floor.match[1]}/floor`,
          {},
        ),
      );
      rows.push(await measure(mode, 'in-process bare route (same bytes, app process)', child.pid, `${bare}/floor`, {}));
      rows.push(await measure(mode, 'cached GET (L1 hit)', child.pid, `${base}${ROUTE}`, { cookie }));
      const revalidation = await measure(mode, 'revalidation (If-None-Match → 304)', child.pid, `${base}${ROUTE}`, {
        cookie,
        'if-none-match': etag,
      });
      if (!/^3xx: \d+$/.test(revalidation.statuses)) {
        throw new Error(`${mode}: the revalidation case answered ${revalidation.statuses}, not only 304s`);
      }
      rows.push(revalidation);
      rows.push(
        await measure(mode, 'forced refill (Cache-Control: no-cache)', child.pid, `${base}${ROUTE}`, {
          cookie,
          'cache-control': 'no-cache',
        }),
      );
    } finally {
      await stop(floor.child);
    }
    extras.push(await wireAndHeap(mode, base, bare, cookie));
    return rows;
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const kb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1024).toFixed(1)} KB`);

function render(rows: Row[], skipped: string[], machine: ReturnType<typeof describeMachine>): string {
  const ratioTo = (mode: string, name: string, reference: string) => {
    const ref = rows.find((r) => r.mode === mode && r.name.startsWith(reference));
    const row = rows.find((r) => r.mode === mode && r.name.startsWith(name));
    return ref && row ? (row.rps / ref.rps).toFixed(2) : 'n/a';
  };
  const ratio = (mode: string, name: string) => {
    const floor = rows.find((r) => r.mode === mode && r.name.startsWith('floor'));
    const row = rows.find((r) => r.mode === mode && r.name.startsWith(name));
    return floor && row ? (row.rps / floor.rps).toFixed(2) : 'n/a';
  };
  // The same ratio from the server's CPU time per request: floor's / ours (1 = as cheap as the floor).
  const cpuRatio = (mode: string, name: string) => {
    const floor = rows.find((r) => r.mode === mode && r.name.startsWith('floor'))?.cpuUs;
    const row = rows.find((r) => r.mode === mode && r.name.startsWith(name))?.cpuUs;
    return floor && row ? (floor / row).toFixed(2) : 'n/a';
  };
  const lines = [
    START,
    '## HTTP path (`npm run bench:http`)',
    '',
    `\`GET ${ROUTE}\` as the demo admin (session cookie), ${CONNECTIONS} connections, ${SECONDS} s per case, autocannon; ` +
      'the floor is a bare Fastify route in another process sending the same bytes. Server CPU is the CPU time of ' +
      'the answering process (all its threads) per request, which other work on the machine disturbs less than req/s.',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}; ${machine.os}; Node ${machine.node}. ` +
      `Load average at start ${machine.loadAtStart.map((n) => n.toFixed(1)).join(' / ')}, at end ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' / ')} ` +
      '(the machine is shared: a load above the core count means other work competed for the CPU).',
    '',
    ...table(
      [
        ['mode', 'left'],
        ['case', 'left'],
        ['req/s', 'right'],
        ['server CPU µs/req', 'right'],
        ['p50 ms', 'right'],
        ['p99 ms', 'right'],
        ['max ms', 'right'],
        ['errors', 'right'],
        ['statuses', 'left'],
      ],
      rows.map((r) => [r.mode, r.name, r.rps, r.cpuUs ?? 'n/a', r.p50, r.p99, r.max, r.errors, r.statuses].map(String)),
    ),
    '',
    ...[...new Set(rows.map((r) => r.mode))].map(
      (mode) =>
        `- ${mode}: cached GET / floor = **${ratio(mode, 'cached')}** (target ≥ 0.7); 304 / floor = **${ratio(mode, 'revalidation')}** (target ≥ 0.8); ` +
        `by server CPU per request: ${cpuRatio(mode, 'cached')} and ${cpuRatio(mode, 'revalidation')}.`,
    ),
    ...[...new Set(rows.map((r) => r.mode))].map(
      (mode) =>
        `- ${mode}: against the bare route inside the app process: cached GET **${ratioTo(mode, 'cached', 'in-process')}**, ` +
        `304 **${ratioTo(mode, 'revalidation', 'in-process')}** (req/s); the in-process route itself is ` +
        `${ratioTo(mode, 'in-process', 'floor')} of the standalone floor.`,
    ),
    ...extras.map(
      (e) =>
        `- ${e.mode}: allocation per cached GET **${kb(e.allocCached)}** (bare route in the same process: ${kb(e.allocBare)}); ` +
        `${HISTORY_DAYS}-day team history on the wire ${kb(e.history.raw)} raw, **${kb(e.history.gzip)} gzip**, ` +
        `**${kb(e.history.br)} brotli**; login page JavaScript as sent ${kb(e.loginJs.raw)} raw, **${kb(e.loginJs.gzip)} gzip** ` +
        `(target ≤ 100 KB), ${kb(e.loginJs.br)} brotli.`,
    ),
    ...skipped.map((reason) => `- ${reason}`),
    END,
  ];
  return lines.join('\n');
}

/** The fault section with its own markers, the machine and its load around the run. */
function renderFaultSection(faults: string[], skipped: string[], machine: ReturnType<typeof describeMachine>): string {
  const load = (values: readonly number[]) => values.map((n) => n.toFixed(1)).join(' / ');
  return [
    FAULTS_START,
    ...faults,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores; Node ${machine.node}. Load average at start ` +
      `${load(machine.loadAtStart)}, at end ${load(loadavg())}. \`BENCH_HTTP_ONLY=faults npm run bench:http\` runs ` +
      'this section alone; `BENCH_FAULT_RUNS` sets the runs per case.',
    ...skipped.map((reason) => `- ${reason}`),
    FAULTS_END,
  ].join('\n');
}

/** Replaces the text between `start` and `end` in `text` with `section` (appended when absent). */
function replaceSection(text: string, start: string, end: string, section: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from >= 0 && to > from
    ? text.slice(0, from) + section + text.slice(to + end.length)
    : `${text.trimEnd()}\n\n${section}\n`;
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  let text = '';
  try {
    text = readFileSync(OUT, 'utf8');
  } catch {
    // A new file.
  }
  if (ONLY !== 'faults') {
    const rows: Row[] = [];
    const skipped: string[] = [];
    rows.push(...(await runMode('embedded', { DATABASE_URL: '', REDIS_URL: '' })));
    if ((await reachable(redisUrl)) && (await reachable(databaseUrl))) {
      const id = randomBytes(4).toString('hex');
      rows.push(
        ...(await runMode('redis', {
          REDIS_URL: redisUrl,
          DATABASE_URL: databaseUrl,
          DATABASE_SCHEMA: `bench_${id}`,
          REDIS_PREFIX: `agiletrack:bench:${id}:`,
        })),
      );
    } else {
      skipped.push(`Redis mode skipped: ${redisUrl} or ${databaseUrl} did not answer.`);
    }
    text = replaceSection(text, START, END, render(rows, skipped, machine));
  }
  if (ONLY !== 'throughput') {
    // Private Redis and PostgreSQL: only their binaries are needed, not the services above.
    const faultMachine = describeMachine();
    const skipped: string[] = [];
    let faults: string[] = [];
    try {
      faults = renderFaults(await runFaults(FAULT_RUNS), FAULT_RUNS);
    } catch (error) {
      skipped.push(`Fault run skipped: ${(error as Error).message.split('\n')[0]}`);
    }
    text = replaceSection(text, FAULTS_START, FAULTS_END, renderFaultSection(faults, skipped, faultMachine));
  }
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
