/**
 * The fault run of `npm run bench:http`: two server instances sharing a private redis-server (on a
 * spare loopback port) and one PostgreSQL schema, both under autocannon load on a cached GET, while
 * Redis is (a) frozen with SIGSTOP for 5 s, then SIGCONT, and (b) killed with SIGKILL and started
 * again 2 s later (empty). Meanwhile a writer renames a team on instance 1 and readers poll that
 * team on both instances: a read sent after a rename was acknowledged that still shows an older
 * name is a stale read; the longest window is from the acknowledgement to the last stale answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sleep } from './fixtures.ts';
import { loginCookie, MAIN, spawnTs, stop, waitForDemoSync } from './http-process.ts';
import { type PrivateRedis, startPrivateRedis } from './redis-server.ts';
import { table } from './report.ts';
import { quantile } from './timing.ts';

const LOAD_ROUTE = '/api/teams/1/metrics';
const TEAM = 2; // renamed by the writer, polled by the readers
const CONNECTIONS = 5; // per instance
const BEFORE_S = 3;
const FAULT_S = 5; // frozen (a), or down before the restart (b: 2 s)
const AFTER_S = 6;
const KILL_DOWN_S = 2;
const REQUEST_TIMEOUT_MS = 5_000;

/** Latency and failures of the load on one instance during one fault. */
export interface FaultLoadRow {
  fault: string;
  instance: string;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
}

/** What the writer and the readers saw during one fault. */
export interface StaleRow {
  fault: string;
  writes: number;
  writeErrors: number;
  writeP99: number;
  writeMax: number;
  /** Per reader instance: reads, failed reads, stale reads after an acknowledged write, longest window (ms). */
  readers: { instance: string; reads: number; errors: number; stale: number; longestMs: number }[];
}

interface Read {
  sentAt: number;
  answeredAt: number;
  version: number;
}

const NAME = 'Mobile v';
const versionOf = (name: string): number => (name.startsWith(NAME) ? Number(name.slice(NAME.length)) : -1);

/** Renames the team on `base` until `until()`; returns when each version was acknowledged. */
async function writer(base: string, cookie: string, first: number, running: () => boolean) {
  const acks: { version: number; at: number }[] = [];
  const times: number[] = [];
  let errors = 0;
  for (let version = first; running(); version++) {
    const sent = performance.now();
    try {
      const response = await fetch(`${base}/api/teams/${TEAM}`, {
        method: 'PATCH',
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `${NAME}${version}` }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (response.status === 200) acks.push({ version, at: performance.now() });
      else errors++;
    } catch {
      errors++;
    }
    times.push(performance.now() - sent);
    await sleep(50);
  }
  return { acks, times, errors };
}

/** Reads the team on `base` in a loop until `until()`. */
async function reader(base: string, cookie: string, running: () => boolean) {
  const reads: Read[] = [];
  let errors = 0;
  while (running()) {
    const sentAt = performance.now();
    try {
      const response = await fetch(`${base}/api/teams/${TEAM}`, {
        headers: { cookie },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (response.status !== 200) {
        errors++;
        await response.arrayBuffer();
        continue;
      }
      const { team } = (await response.json()) as { team: { name: string } };
      reads.push({ sentAt, answeredAt: performance.now(), version: versionOf(team.name) });
    } catch {
      errors++;
    }
    await sleep(5);
  }
  return { reads, errors };
}

/** Stale reads (sent after a newer version was acknowledged) and the longest window from acknowledgement to stale answer. */
export function staleness(acks: readonly { version: number; at: number }[], reads: readonly Read[]) {
  let stale = 0;
  let longestMs = 0;
  for (const read of reads) {
    let newest: { version: number; at: number } | undefined;
    for (const ack of acks)
      if (ack.at < read.sentAt && (newest === undefined || ack.version > newest.version)) newest = ack;
    if (newest === undefined || read.version >= newest.version) continue;
    stale++;
    // The window opened when the first version this read missed was acknowledged.
    const missed = acks.filter((ack) => ack.version > read.version && ack.at < read.sentAt);
    const opened = Math.min(...missed.map((ack) => ack.at));
    longestMs = Math.max(longestMs, read.answeredAt - opened);
  }
  return { stale, longestMs: Math.round(longestMs) };
}

async function healthy(bases: readonly string[], deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (const base of bases) {
    for (;;) {
      const body = await fetch(`${base}/api/health`)
        .then((r) => r.json() as Promise<{ status: string }>)
        .catch(() => ({ status: 'unreachable' }));
      if (body.status === 'ok') break;
      if (Date.now() > deadline) throw new Error(`${base} did not become healthy again: ${body.status}`);
      await sleep(200);
    }
  }
}

/** Runs both faults; `databaseUrl` is shared, each run gets its own schema and Redis. */
export async function runFaults(databaseUrl: string): Promise<{ load: FaultLoadRow[]; stale: StaleRow[] }> {
  let redis: PrivateRedis = await startPrivateRedis();
  const port = Number(new URL(redis.url).port);
  const id = randomBytes(4).toString('hex');
  const dirs = [
    mkdtempSync(join(tmpdir(), 'agiletrack-faults-1-')),
    mkdtempSync(join(tmpdir(), 'agiletrack-faults-2-')),
  ];
  const common = {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    SECRET_KEY: randomBytes(32).toString('base64'),
    DEMO_PASSWORDS: 'fixed',
    REDIS_URL: redis.url,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: `bench_faults_${id}`,
    REDIS_PREFIX: `agiletrack:faults:${id}:`,
  };
  const ready = /AgileTrack is running at (http:\/\/\S+)/;
  const one = await spawnTs(MAIN, { ...common, DATA_DIR: dirs[0]!, DEMO: 'true' }, ready);
  // The second instance serves only: the demo and its syncs belong to the first.
  const two = await spawnTs(MAIN, { ...common, DATA_DIR: dirs[1]!, DEMO: 'false', RUN_WORKER: 'false' }, ready);
  const bases = [one.match[1]!, two.match[1]!];
  const load: FaultLoadRow[] = [];
  const stale: StaleRow[] = [];
  try {
    const cookie = await loginCookie(bases[0]!);
    await waitForDemoSync(bases[0]!, cookie);
    let version = 0;
    const faults: [string, () => Promise<void>][] = [
      [
        `Redis frozen ${FAULT_S} s (SIGSTOP, SIGCONT)`,
        async () => {
          redis.freeze();
          await sleep(FAULT_S * 1_000);
          redis.thaw();
        },
      ],
      [
        `Redis killed (SIGKILL), restarted empty ${KILL_DOWN_S} s later`,
        async () => {
          await redis.stop();
          await sleep(KILL_DOWN_S * 1_000);
          redis = await startPrivateRedis({ port });
        },
      ],
    ];
    for (const [fault, inject] of faults) {
      await healthy(bases, 30_000);
      const seconds = BEFORE_S + FAULT_S + AFTER_S;
      let running = true;
      const cannons = bases.map((base) =>
        autocannon({
          url: `${base}${LOAD_ROUTE}`,
          connections: CONNECTIONS,
          duration: seconds,
          timeout: REQUEST_TIMEOUT_MS / 1_000,
          headers: { cookie },
        }),
      );
      const writing = writer(bases[0]!, cookie, version + 1, () => running);
      const reading = bases.map((base) => reader(base, cookie, () => running));
      await sleep(BEFORE_S * 1_000);
      await inject();
      const results = await Promise.all(cannons);
      running = false;
      const written = await writing;
      const read = await Promise.all(reading);
      version = Math.max(version, ...written.acks.map((a) => a.version), version + written.times.length);
      results.forEach((result, index) => {
        load.push({
          fault,
          instance: `instance ${index + 1}`,
          requests: result.requests.total,
          p50: result.latency.p50,
          p99: result.latency.p99,
          max: result.latency.max,
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
        });
      });
      stale.push({
        fault,
        writes: written.acks.length,
        writeErrors: written.errors,
        writeP99: Math.round(
          quantile(
            [...written.times].sort((a, b) => a - b),
            0.99,
          ),
        ),
        writeMax: Math.round(Math.max(0, ...written.times)),
        readers: read.map((r, index) => ({
          instance: `instance ${index + 1}${index === 0 ? ' (the writer)' : ''}`,
          reads: r.reads.length,
          errors: r.errors,
          ...staleness(written.acks, r.reads),
        })),
      });
      console.log(JSON.stringify({ fault, load: load.slice(-2), stale: stale.at(-1) }));
    }
  } finally {
    await Promise.all([stop(one.child), stop(two.child)]);
    await redis.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  return { load, stale };
}

/** The fault run's tables (Markdown lines). */
export function renderFaults(results: { load: FaultLoadRow[]; stale: StaleRow[] }): string[] {
  return [
    '### Faults: two instances, one private Redis',
    '',
    `Two server instances share a private redis-server and one PostgreSQL schema. Each takes \`GET ${LOAD_ROUTE}\` ` +
      `from autocannon (${CONNECTIONS} connections each, ${BEFORE_S + FAULT_S + AFTER_S} s, the fault at ${BEFORE_S} s); ` +
      `a writer renames team ${TEAM} on instance 1 (PATCH, one after another) while a reader polls it on each instance. ` +
      'A stale read is a read sent after a rename was acknowledged that answers an older name; the window runs from ' +
      'that acknowledgement to the stale answer.',
    '',
    ...table(
      [
        ['fault', 'left'],
        ['instance', 'left'],
        ['requests', 'right'],
        ['p50 ms', 'right'],
        ['p99 ms', 'right'],
        ['max ms', 'right'],
        ['errors', 'right'],
        ['non-2xx', 'right'],
      ],
      results.load.map((r) => [r.fault, r.instance, r.requests, r.p50, r.p99, r.max, r.errors, r.non2xx].map(String)),
    ),
    '',
    ...table(
      [
        ['fault', 'left'],
        ['writes acknowledged', 'right'],
        ['write errors', 'right'],
        ['write p99 ms', 'right'],
        ['write max ms', 'right'],
        ['reader', 'left'],
        ['reads', 'right'],
        ['read errors', 'right'],
        ['stale reads', 'right'],
        ['longest stale window ms', 'right'],
      ],
      results.stale.flatMap((s) =>
        s.readers.map((r) =>
          [
            s.fault,
            s.writes,
            s.writeErrors,
            s.writeP99,
            s.writeMax,
            r.instance,
            r.reads,
            r.errors,
            r.stale,
            r.longestMs,
          ].map(String),
        ),
      ),
    ),
  ];
}
