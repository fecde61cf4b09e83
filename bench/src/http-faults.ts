/**
 * The fault run of `npm run bench:http`, in services mode: two API instances (neither runs sync
 * workers) and a separate worker process (`npm run worker`) share a private redis-server and a
 * private PostgreSQL. Each API instance reaches Redis through a TCP proxy of its own, so one
 * instance's path can be slowed or silently cut. The demo's GitHub and Jira are a simulator in
 * this process that answers every request late, so the syncs asked for just before each fault
 * are still running (or waiting) when it strikes.
 *
 * Each case runs `BENCH_FAULT_RUNS` times (default 3). During a run both instances take
 * `GET /api/teams/1/metrics` from autocannon, a writer renames team 2 on instance 1 and a reader
 * polls it on each instance; three full syncs (of teams 2 and 3) are requested on instance 1 and
 * followed to their end. Reported per run: errors, 503 answers to the cached reads, the longest request, the
 * longest stale window, processes that exited, syncs acknowledged but never completed, and for
 * the lost-PING case how long instance 2's bus took to come back once traffic flowed again.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { startTcpProxy, type TcpProxy } from '@agiletrack/cache/testing/tcp-proxy';
import autocannon from 'autocannon';
import { type PrivatePostgres, startPrivatePostgres } from '../../apps/server/src/testing/private-postgres.ts';
import { sleep } from './fixtures.ts';
import {
  followSyncs,
  lockWatch,
  REQUEST_TIMEOUT_MS,
  reader,
  requestSyncs,
  staleness,
  writer,
} from './http-fault-load.ts';
import { type FaultRun, renderFaults } from './http-fault-report.ts';
import { loginCookie, MAIN, outputOf, ROOT, spawnTs, stop, waitForDemoSync } from './http-process.ts';
import { type PrivateRedis, startPrivateRedis } from './redis-server.ts';

export { renderFaults };

const LOAD_ROUTE = '/api/teams/1/metrics';
const TEAM = 2; // renamed by the writer, polled by the readers
const CONNECTIONS = 5; // per instance
const BEFORE_S = 2;
const AFTER_S = 4;
const UPSTREAM_LATENCY_MS = 200;
const HEARTBEAT_MS = '1000'; // a dead worker's run is found within 3 s, lost requests re-queued as fast
const WORKER = join(ROOT, 'apps/server/src/worker.ts');

/** The processes and services of one fault run. */
interface Cluster {
  redis: PrivateRedis;
  readonly redisPort: number;
  readonly pg: PrivatePostgres;
  readonly sim: Simulator;
  readonly proxies: [TcpProxy, TcpProxy];
  readonly bases: [string, string];
  readonly procs: Proc[];
  /** The instances' `REDIS_PREFIX`. */
  readonly prefix: string;
  cookie: string;
}

interface Proc {
  readonly name: string;
  readonly file: string;
  readonly env: Record<string, string>;
  readonly ready: RegExp;
  child?: ChildProcess;
  /** Exits nobody asked for, with the end of the output. */
  crashes: string[];
}

interface FaultCase {
  readonly name: string;
  readonly seconds: number;
  /** Runs the fault; resolves when it is over. May return how long the bus took to come back (ms). */
  inject(cluster: Cluster): Promise<number | undefined>;
}

const CASES: readonly FaultCase[] = [
  {
    name: 'Redis frozen 5 s (SIGSTOP, SIGCONT)',
    seconds: 5,
    inject: async (c) => {
      c.redis.freeze();
      await sleep(5_000);
      c.redis.thaw();
      return undefined;
    },
  },
  {
    name: 'Redis killed (SIGKILL), restarted empty 2 s later',
    seconds: 2,
    inject: async (c) => {
      await c.redis.stop();
      await sleep(2_000);
      c.redis = await startPrivateRedis({ port: c.redisPort });
      return undefined;
    },
  },
  {
    name: "instance 1's Redis 60 ms slower for 8 s",
    seconds: 8,
    inject: async (c) => {
      c.proxies[0].delay(60);
      await sleep(8_000);
      c.proxies[0].delay(0);
      return undefined;
    },
  },
  {
    name: "instance 2's bus connections silent 3 s (PING answers lost)",
    seconds: 3,
    inject: async (c) => {
      c.proxies[1].drop('subscribers');
      await sleep(3_000);
      c.proxies[1].drop('none');
      return busRecovery(c.bases[1], c.cookie, 20_000);
    },
  },
  {
    name: 'PostgreSQL stopped 5 s',
    seconds: 5,
    inject: async (c) => {
      await c.pg.stop();
      await sleep(5_000);
      await c.pg.start();
      return undefined;
    },
  },
];

async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Milliseconds until `base` reports its bus healthy again (`undefined`: not within `limitMs`). */
async function busRecovery(base: string, cookie: string, limitMs: number): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    const health = await fetch(`${base}/api/health`, { headers: { cookie }, signal: AbortSignal.timeout(2_000) })
      .then((r) => r.json() as Promise<{ checks?: { bus?: string } }>)
      .catch(() => undefined);
    if (health?.checks?.bus === 'ok') return Math.round(performance.now() - started);
    await sleep(100);
  }
  return undefined;
}

/** Waits until every instance answers its health check `ok` (or `limitMs` passes). */
async function settled(bases: readonly string[], limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (const base of bases) {
    for (;;) {
      const body = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.json() as Promise<{ status: string }>)
        .catch(() => ({ status: 'unreachable' }));
      if (body.status === 'ok') break;
      if (Date.now() > deadline) return false;
      await sleep(200);
    }
  }
  return true;
}

async function launch(proc: Proc): Promise<RegExpExecArray> {
  const { child, match } = await spawnTs(proc.file, proc.env, proc.ready);
  proc.child = child;
  child.once('exit', (code, signal) => {
    if (proc.child !== child) return; // stopped on purpose
    proc.child = undefined;
    proc.crashes.push(`${proc.name} exited (${signal ?? code}): ${outputOf(child).slice(-1_500)}`);
  });
  return match;
}

async function halt(proc: Proc): Promise<void> {
  const child = proc.child;
  proc.child = undefined;
  if (child) await stop(child);
}

async function startCluster(): Promise<Cluster> {
  const redis = await startPrivateRedis();
  const redisPort = Number(new URL(redis.url).port);
  const pg = await startPrivatePostgres({ maxConnections: 100 });
  const sim = await createSimulator({
    seed: 7,
    size: { repos: 3, projects: 3, start: new Date(Date.now() - 84 * 86_400_000).toISOString(), days: 84 },
  });
  const proxies: [TcpProxy, TcpProxy] = [
    await startTcpProxy({ host: '127.0.0.1', port: redisPort }),
    await startTcpProxy({ host: '127.0.0.1', port: redisPort }),
  ];
  const id = randomBytes(4).toString('hex');
  const common = {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    SECRET_KEY: randomBytes(32).toString('base64'),
    DEMO_PASSWORDS: 'fixed',
    DATABASE_URL: pg.url,
    DATABASE_SCHEMA: `bench_faults_${id}`,
    REDIS_PREFIX: `agiletrack:faults:${id}:`,
    SIMULATOR_URL: sim.url,
    SYNC_HEARTBEAT_MS: HEARTBEAT_MS,
    RUN_WORKER: 'false',
  };
  const ready = /AgileTrack is running at (http:\/\/\S+)/;
  const api = async (n: 1 | 2, extra: Record<string, string>): Promise<Proc> => ({
    name: `instance ${n}`,
    file: MAIN,
    ready,
    crashes: [],
    env: {
      ...common,
      PORT: String(await sparePort()),
      DATA_DIR: mkdtempSync(join(tmpdir(), `agiletrack-faults-${n}-`)),
      REDIS_URL: `redis://127.0.0.1:${proxies[n - 1]!.port}`,
      ...extra,
    },
  });
  // Instance 1 seeds the demo (pointing at the simulator here) and asks for its first syncs.
  const procs = [await api(1, { DEMO: 'true' }), await api(2, { DEMO: 'false' })];
  procs.push({
    name: 'worker',
    file: WORKER,
    ready: /worker started/,
    crashes: [],
    env: {
      ...common,
      LOG_LEVEL: 'info',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'agiletrack-faults-worker-')),
      REDIS_URL: redis.url,
    },
  });
  const first = await launch(procs[0]!);
  const second = await launch(procs[1]!);
  await launch(procs[2]!);
  const bases: [string, string] = [first[1]!, second[1]!];
  const cookie = await loginCookie(bases[0]);
  return { redis, redisPort, pg, sim, proxies, bases, procs, cookie, prefix: common.REDIS_PREFIX };
}

async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all(c.procs.map(halt));
  for (const proc of c.procs) if (proc.env.DATA_DIR) rmSync(proc.env.DATA_DIR, { recursive: true, force: true });
  await Promise.all(c.proxies.map((proxy) => proxy.close()));
  await c.redis.stop();
  await c.pg.remove();
  await c.sim.close();
}

/**
 * Integrations to sync during the runs: three of teams 2 and 3, so team 1's metrics (the cached
 * read under load) are never invalidated by a sync finishing and stay a cached read throughout.
 */
async function syncTargets(c: Cluster): Promise<number[]> {
  const ids: number[] = [];
  for (const team of [2, 3]) {
    const response = await fetch(`${c.bases[0]}/api/teams/${team}/integrations`, { headers: { cookie: c.cookie } });
    const { integrations } = (await response.json()) as { integrations: { id: number }[] };
    ids.push(...integrations.map((integration) => integration.id));
  }
  return ids.slice(0, 3);
}

async function runOnce(c: Cluster, fault: FaultCase, run: number, targets: number[], version: number) {
  const seconds = BEFORE_S + fault.seconds + AFTER_S;
  let running = true;
  const cannons = c.bases.map((base) =>
    autocannon({
      url: `${base}${LOAD_ROUTE}`,
      connections: CONNECTIONS,
      duration: seconds,
      timeout: REQUEST_TIMEOUT_MS / 1_000,
      headers: { cookie: c.cookie },
    }),
  );
  const writing = writer(c.bases[0], c.cookie, TEAM, version, () => running);
  const reading = c.bases.map((base) => reader(base, c.cookie, TEAM, () => running));
  // Watched until the last request has its answer (a hung one waits up to its timeout).
  let answering = true;
  const watching = lockWatch(c.redis.url, c.prefix, () => answering);
  const crashesBefore = c.procs.reduce((sum, proc) => sum + proc.crashes.length, 0);
  await sleep(BEFORE_S * 1_000 - 500);
  const jobs = await requestSyncs(c.bases[0], c.cookie, targets);
  await sleep(500);
  const recoveryMs = await fault.inject(c);
  const loads = await Promise.all(cannons);
  running = false;
  const written = await writing;
  const read = await Promise.all(reading);
  answering = false;
  const longestLockMs = await watching;
  const syncs = await followSyncs(c.bases, c.cookie, jobs, 90_000);
  const exits = c.procs.flatMap((proc) => proc.crashes).slice(crashesBefore);
  // A process that died is started again, so the next runs have the whole cluster.
  for (const proc of c.procs) if (!proc.child) await launch(proc).catch(() => {});
  const stale = read.map((r) => staleness(written.acks, r.reads));
  const maxOf = (values: number[]) => Math.round(Math.max(0, ...values));
  // Which request was the longest: the run's one number, given a name to look for.
  const longest: [string, number][] = [
    ...loads.map((l, i): [string, number] => [`GET ${LOAD_ROUTE} on instance ${i + 1}`, l.latency.max]),
    ...read.map((r, i): [string, number] => [`GET /api/teams/${TEAM} on instance ${i + 1}`, Math.max(0, ...r.times)]),
    [`PATCH /api/teams/${TEAM} on instance 1`, Math.max(0, ...written.times)],
  ];
  const slowest = longest.reduce((a, b) => (b[1] > a[1] ? b : a));
  const result: FaultRun = {
    fault: fault.name,
    run,
    requests: loads.reduce((sum, l) => sum + l.requests.total, 0),
    errors: loads.reduce((sum, l) => sum + l.errors + l.timeouts, 0) + read.reduce((sum, r) => sum + r.errors, 0),
    unavailable: loads.reduce((sum, l) => sum + (l.statusCodeStats?.['503']?.count ?? 0), 0),
    maxRequestMs: maxOf([...loads.map((l) => l.latency.max), ...read.flatMap((r) => r.times), ...written.times]),
    slowest: slowest[0],
    longestLockMs,
    writes: written.acks.length,
    writeErrors: written.errors,
    staleReads: stale.reduce((sum, s) => sum + s.stale, 0),
    longestStaleMs: maxOf(stale.map((s) => s.longestMs)),
    exits,
    syncs: jobs.length,
    lostSyncs: syncs.lost,
    syncStates: syncs.states,
    busRecoveryMs: fault.name.includes('PING') ? (recoveryMs ?? -1) : undefined,
  };
  const version_ = Math.max(version, ...written.acks.map((a) => a.version)) + written.times.length + 1;
  return { result, next: version_ };
}

/**
 * The cases to run: `BENCH_FAULT_CASES` keeps those whose name contains one of its
 * comma-separated words (e.g. `slower` or `frozen,PING`); unset, every case.
 */
function selectedCases(): readonly FaultCase[] {
  const words = (process.env.BENCH_FAULT_CASES ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 0) return CASES;
  const chosen = CASES.filter((c) => words.some((word) => c.name.includes(word)));
  if (chosen.length === 0) throw new Error(`BENCH_FAULT_CASES=${process.env.BENCH_FAULT_CASES} matches no case`);
  return chosen;
}

/** Runs every case `runs` times against one cluster; returns one row per run. */
export async function runFaults(runs: number): Promise<FaultRun[]> {
  const c = await startCluster();
  const out: FaultRun[] = [];
  try {
    await waitForDemoSync(c.bases[0], c.cookie);
    c.sim.setLatency(UPSTREAM_LATENCY_MS);
    const targets = await syncTargets(c);
    let version = 1;
    for (let run = 1; run <= runs; run++) {
      for (const fault of selectedCases()) {
        if (!(await settled(c.bases, 30_000))) console.warn(`not every instance was healthy before "${fault.name}"`);
        const { result, next } = await runOnce(c, fault, run, targets, version);
        version = next;
        out.push(result);
        console.log(JSON.stringify(result));
      }
    }
  } finally {
    await stopCluster(c);
  }
  return out;
}
