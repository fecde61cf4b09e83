/**
 * `npm run bench:sync`: syncs the simulator's large project (one repository with 10,000 pull
 * requests over two years, 2,000 deployments, incidents; a Jira project with 30,004 issues in 52
 * sprints) into an embedded server, then measures
 * - per sync (first, incremental with nothing changed, after 20 pull requests and 20 issues
 *   changed): requests, GraphQL points, bytes received, rate-limit budget spent, waits, time;
 * - the time from Connect to the first numbers (partial history) and to the end of the backfill;
 * - a full GitHub sync with 502s on a tenth of the GraphQL queries: pull requests missing after it;
 * - webhooks on two instances (sync-webhooks.ts): delivery → metrics event p95, hostile requests;
 * - cold reads (forced refill, every tier bypassed) of a team's metrics (and so its cycle-time
 *   breakdown, over the union of its integrations' items), a window, a 90-day history and
 *   drill-downs: p50 / p95 over repeated reads;
 * - goal evaluation of the team after the syncs (four goals).
 * The simulator's latency (`BENCH_SYNC_LATENCY_MS` per request, default 400 plus up to 200 of
 * jitter) and rate-limit windows run on a simulated clock shared by the simulator and the HTTP
 * client, so they cost simulated time, not wall time: "simulated" times are wall time plus every
 * latency and rate-limit wait, what a user would wait. The results replace the `bench:sync`
 * section of bench/RESULTS.md (or `BENCH_OUT`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { createSimulator, DEFAULT_GITHUB_TOKEN, DEFAULT_JIRA_CREDENTIALS } from '@agiletrack/api-simulator';
import { pino } from 'pino';
import { loadConfig } from '../../apps/server/src/config.ts';
import { goals as goalsTable } from '../../apps/server/src/db/schema.ts';
import { createServer } from '../../apps/server/src/server.ts';
import { SyncService } from '../../apps/server/src/sync/service.ts';
import { table } from './report.ts';
import { measureWebhooks } from './sync-webhooks.ts';

// The data runs to the first days of 2026; changes are made later, as real updates would be.
const AS_OF = Date.parse('2026-02-15T00:00:00Z');
const READS = Number(process.env.BENCH_SYNC_READS ?? 40);
const OUT = process.env.BENCH_OUT ?? resolve(import.meta.dirname, '../RESULTS.md');

// The simulated clock: real time plus every latency and rate-limit wait "slept" on it.
let skipped = 0;
let waitedForLimits = 0;
const simNow = () => Date.now() + skipped;
const simSleep = async (ms: number) => {
  skipped += ms;
};
const limitSleep = async (ms: number) => {
  skipped += ms;
  waitedForLimits += ms;
};
const LATENCY_MS = Number(process.env.BENCH_SYNC_LATENCY_MS ?? 400);

const started = Date.now();
const generation = performance.now();
// BENCH_SYNC_SMALL=1: a small project, to check the benchmark runs (its numbers mean nothing).
const small = process.env.BENCH_SYNC_SMALL === '1';
const sim = await createSimulator({
  dataset: small ? 'generated' : 'large',
  ...(small && { size: { repos: 1, pullRequestsPerRepo: 400, deploymentsPerRepo: 60, projects: 1, days: 200 } }),
  now: simNow,
  latency: { fixedMs: LATENCY_MS, jitterMs: Math.round(LATENCY_MS / 2) },
  sleep: simSleep,
});
const generatedMs = performance.now() - generation;
const data = sim.dataset.data;
const repo = data.github.repos[0]!;

const server = await createServer({
  config: loadConfig({
    LOG_LEVEL: 'silent',
    SECRET_KEY: randomBytes(32).toString('base64'),
    DATA_DIR: '/nonexistent',
    // The simulator listens on loopback, which outbound requests may reach only when allowed.
    OUTBOUND_ALLOW: '127.0.0.1/32',
  }),
  logger: pino({ level: 'silent' }),
  inMemory: true,
  scheduler: false,
});
const { deps } = server;

let bytes = 0;
const countingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  bytes += Number(response.headers.get('content-length') ?? 0);
  return response;
};
const service = new SyncService(deps, {
  now: () => AS_OF,
  client: { fetch: countingFetch, now: simNow, sleep: limitSleep },
});

const team = await deps.teams.createTeam({ name: 'Large team' });
const github = await deps.integrations.createIntegration(team.id, {
  kind: 'github',
  name: 'acme/web',
  config: { owner: 'acme', repo: repo.name, baseUrl: sim.url },
  credentials: { token: DEFAULT_GITHUB_TOKEN },
});
const jira = await deps.integrations.createIntegration(team.id, {
  kind: 'jira',
  name: 'AT board',
  config: {
    baseUrl: sim.url,
    projectKey: data.jira.projects[0]!.key,
    boardId: 1,
    email: DEFAULT_JIRA_CREDENTIALS.email,
  },
  credentials: { apiToken: DEFAULT_JIRA_CREDENTIALS.apiToken },
});

interface SyncRow {
  step: string;
  source: string;
  requests: number;
  points: number;
  notModified: number;
  budget: number;
  limit: string;
  errors: number;
  waits: number;
  waitedMs: number;
  bytes: number;
  wallMs: number;
  written: number;
}
const rows: SyncRow[] = [];

/** Simulated ms from the start of the first GitHub sync to its first numbers, and to its end. */
const firstGithub = { numbersMs: Number.NaN, doneMs: Number.NaN };

async function measure(step: string, integration: typeof github, source: 'GitHub' | 'Jira'): Promise<void> {
  sim.reset({ rateLimits: false });
  bytes = 0;
  const before = waitedForLimits;
  const sim0 = simNow();
  let sawNumbers = false;
  // The first numbers: the moment the integration has a snapshot (checked after each page).
  const progress = async () => {
    if (sawNumbers || step !== 'first sync' || source !== 'GitHub') return;
    const rows = await deps.database.sql.query(
      `SELECT 1 FROM metric_snapshots WHERE integration_id = ${integration.id} LIMIT 1`,
    );
    if (rows.rows.length > 0) {
      sawNumbers = true;
      firstGithub.numbersMs = simNow() - sim0;
    }
  };
  let pending = Promise.resolve();
  const fetched = await service.fetchAndStore(integration.id, `bench-${step}-${source}`, () => {
    pending = pending.then(progress);
  });
  await pending;
  await service.computeAndPublish(fetched);
  if (step === 'first sync' && source === 'GitHub') {
    firstGithub.doneMs = simNow() - sim0;
    if (!sawNumbers) firstGithub.numbersMs = firstGithub.doneMs;
  }
  const wallMs = simNow() - sim0;
  const counts = sim.counts();
  const statuses = counts.byStatus;
  // GitHub GraphQL spends points (REST: every answer but 304s); Jira a request each.
  const budget = source === 'GitHub' ? fetched.stats.points : counts.total;
  rows.push({
    step,
    source,
    requests: counts.total,
    points: fetched.stats.points,
    notModified: statuses['304'] ?? 0,
    budget,
    limit: source === 'GitHub' ? '5,000 points / hour' : '600 / minute',
    errors: Object.entries(statuses)
      .filter(([status]) => Number(status) >= 400)
      .reduce((n, [, c]) => n + c, 0),
    waits: fetched.stats.rateLimitWaits,
    waitedMs: waitedForLimits - before,
    bytes,
    wallMs,
    written: fetched.items + fetched.deleted,
  });
  console.log(`${step} ${source}: ${counts.total} requests, ${Math.round(wallMs)} ms`);
}

for (const [step, change] of [
  ['first sync', undefined],
  ['nothing changed', undefined],
  ['20 changed', 'change'],
] as const) {
  if (change) {
    const open = repo.pullRequests.filter((p) => p.state === 'open').slice(0, 10);
    sim.dataset.mutate(() => {
      for (const [i, pr] of open.entries()) pr.updated_at = `2026-02-10T1${i}:00:00Z`;
    });
    for (let i = 0; i < 10; i++) {
      sim.dataset.addPullRequest('acme', repo.name, {
        created_at: `2026-02-09T0${i}:00:00Z`,
        merged_at: `2026-02-10T0${i}:00:00Z`,
        reviews: [{ user: 'bob', state: 'APPROVED', submitted_at: `2026-02-09T1${i}:00:00Z` }],
      });
    }
    const todo = data.jira.issues.filter((i) => i.status === 'To Do').slice(0, 10);
    for (const [i, issue] of todo.entries()) {
      sim.dataset.transitionJiraIssue(issue.key, 'In Progress', `2026-02-10T0${i}:00:00.000Z`);
    }
    for (let i = 0; i < 10; i++) {
      sim.dataset.addJiraIssue({ projectKey: data.jira.projects[0]!.key, created: `2026-02-10T1${i}:00:00.000Z` });
    }
  }
  await measure(step, github, 'GitHub');
  await measure(step, jira, 'Jira');
}

// A full sync with 502s on a tenth of the GraphQL queries: the page halves, the same page is asked
// again, and no pull request may be missing after it.
const flaky = await deps.integrations.createIntegration(team.id, {
  kind: 'github',
  name: 'acme/web (502s)',
  config: { owner: 'acme', repo: repo.name, baseUrl: sim.url },
  credentials: { token: DEFAULT_GITHUB_TOKEN },
});
sim.reset({ rateLimits: false });
sim.setFaults([{ path: '/graphql', probability: 0.1, fault: { type: 'status', status: 502 } }]);
const flakyRun = await service.fetchAndStore(flaky.id, 'bench-502s', () => {});
await service.computeAndPublish(flakyRun);
const flakyCounts = sim.counts();
sim.reset({ rateLimits: false });
const storedPulls = Number(
  (
    (
      await deps.database.sql.query(
        `SELECT count(*)::int AS n FROM work_items WHERE integration_id = ${flaky.id} AND kind = 'pull_request'`,
      )
    ).rows[0] as { n: number }
  ).n,
);
const flakyResult = {
  queries: flakyCounts.total,
  failed: flakyCounts.byStatus['502'] ?? 0,
  shrinks: flakyRun.stats.pageShrinks,
  missing: repo.pullRequests.length - storedPulls,
};
console.log(`502s: ${flakyResult.failed} of ${flakyResult.queries} queries, ${flakyResult.missing} PRs missing`);

// Cold reads: every tier bypassed and refilled, as `Cache-Control: no-cache` does.
async function timeReads(read: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 3; i++) await read();
  const times: number[] = [];
  for (let i = 0; i < READS; i++) {
    const t0 = performance.now();
    await read();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)]!, p95: times[Math.floor(times.length * 0.95)]! };
}
const reads = [
  ['team metrics (default window)', () => deps.metrics.teamMetrics(team.id, { force: true })],
  ['team metrics, 7-day window', () => deps.metrics.teamMetrics(team.id, { windowDays: 7, force: true })],
  ['team history, 90 days (day)', () => deps.metrics.teamHistory(team.id, {}, { force: true })],
  ['integration history, 90 days', () => deps.metrics.integrationHistory(github, {}, { force: true })],
  [
    'team cycle-time breakdown, 90-day window',
    () => deps.metrics.teamMetrics(team.id, { windowDays: 90, force: true }),
  ],
  [
    'drill-down page (deployed changes behind lead time, 90 days)',
    () => deps.metrics.workItems(team.id, { metric: 'leadTimeHours', windowDays: 90, limit: 50 }),
  ],
  [
    'drill-down page over a span (merged PRs, 28 days, from the items)',
    () =>
      deps.metrics.workItems(team.id, {
        metric: 'prThroughputPerWeek',
        from: new Date(AS_OF - 28 * 86_400_000),
        to: new Date(AS_OF),
        limit: 50,
      }),
  ],
] as const;
const readRows: { what: string; p50: number; p95: number }[] = [];
for (const [what, read] of reads) {
  const { p50, p95 } = await timeReads(read);
  readRows.push({ what, p50, p95 });
  console.log(`${what}: p50 ${p50.toFixed(2)} ms`);
}
const history = await deps.metrics.teamHistory(team.id, {});

// Goals of the team, evaluated as after a sync (the cards just warmed): the first evaluation
// records each goal's status; later ones find nothing changed.
for (const [metric, comparator, threshold] of [
  ['cyclePickupP85Hours', 'atMost', 24],
  ['deploymentsPerWeek', 'atLeast', 5],
  ['changeFailureRate', 'atMost', 0.15],
  ['leadTimeHours', 'atMost', 168],
] as const) {
  await deps.db.insert(goalsTable).values({ teamId: team.id, metric, comparator, threshold, windowDays: 28 });
}
await deps.metrics.teamMetrics(team.id);
const firstEvaluation = performance.now();
await deps.goals.evaluate(team.id);
const firstEvaluationMs = performance.now() - firstEvaluation;
const evaluation = await timeReads(() => deps.goals.evaluate(team.id));
console.log(`goal evaluation: first ${firstEvaluationMs.toFixed(1)} ms, then p95 ${evaluation.p95.toFixed(1)} ms`);
const counts = await deps.database.sql.query(
  'SELECT kind, count(*)::int AS n FROM work_items GROUP BY kind ORDER BY kind',
);
await server.close();
await sim.close();

const hooks = await measureWebhooks(Number(process.env.BENCH_SYNC_DELIVERIES ?? 100));
console.log(
  `webhooks: p95 ${hooks.p95Ms.toFixed(0)} ms, hostile ${hooks.hostile} (${hooks.hostileStored} stored, ${hooks.hostile5xx} 5xx)`,
);

// --- report ------------------------------------------------------------------------------------
function targetLines(): string[] {
  const first = rows.find((r) => r.step === 'first sync' && r.source === 'GitHub')!;
  const firstJira = rows.find((r) => r.step === 'first sync' && r.source === 'Jira')!;
  const idleGithub = rows.find((r) => r.step === 'nothing changed' && r.source === 'GitHub')!;
  const idleJira = rows.find((r) => r.step === 'nothing changed' && r.source === 'Jira')!;
  const breakdown = readRows.find((r) => r.what.startsWith('team cycle-time breakdown'))!;
  const check = (ok: boolean) => (ok ? 'met' : '**not met**');
  const line = (measure: string, value: string, target: string, ok: boolean) => [measure, value, target, check(ok)];
  return [
    'Targets (first GitHub sync: GraphQL; time on the simulated clock, what a user would wait):',
    '',
    ...table(
      [
        ['measure', 'left'],
        ['measured', 'right'],
        ['target', 'left'],
        ['', 'left'],
      ],
      [
        line(
          `GitHub first sync, ${repo.pullRequests.length.toLocaleString('en')} PRs: budget spent`,
          `${first.points.toLocaleString('en')} points, ${first.requests.toLocaleString('en')} requests`,
          '≤ 500 points and ≤ 600 requests',
          first.points <= 500 && first.requests <= 600,
        ),
        line('GitHub first sync: rate-limit waiting', duration(first.waitedMs), '0', first.waitedMs === 0),
        line(
          'Connect → first numbers (partial history)',
          duration(firstGithub.numbersMs),
          '≤ 60 s',
          firstGithub.numbersMs <= 60_000,
        ),
        line('full backfill', duration(firstGithub.doneMs), '≤ 10 min', firstGithub.doneMs <= 600_000),
        line(
          'nothing changed: GitHub / Jira requests',
          `${idleGithub.requests} / ${idleJira.requests}`,
          '≤ 2 / ≤ 2',
          idleGithub.requests <= 2 && idleJira.requests <= 2,
        ),
        line(
          `Jira first sync, ${data.jira.issues.length.toLocaleString('en')} issues: bytes received`,
          kib(firstJira.bytes),
          '≤ 20 MiB',
          firstJira.bytes <= 20 * 1_048_576,
        ),
        line(
          `webhook accepted → metrics event on a second instance, p95 of ${hooks.deliveries}`,
          `${ms(hooks.p95Ms)} ms (p50 ${ms(hooks.p50Ms)} ms)`,
          '≤ 1 s',
          hooks.p95Ms <= 1_000,
        ),
        line(
          `hostile webhook requests (${hooks.hostile.toLocaleString('en')}): stored or 5xx`,
          `${hooks.hostileStored} stored, ${hooks.hostile5xx} 5xx`,
          '0 of ≥ 1,000',
          hooks.hostile >= 1_000 && hooks.hostileStored === 0 && hooks.hostile5xx === 0,
        ),
        line(
          'cold read of the team cycle-time breakdown (90-day window), p95',
          `${ms(breakdown.p95)} ms`,
          '≤ 100 ms',
          breakdown.p95 <= 100,
        ),
        line(
          'goal evaluation after a sync, per team (4 goals): first / then p95',
          `${ms(firstEvaluationMs)} ms / ${ms(evaluation.p95)} ms`,
          '≤ 50 ms',
          firstEvaluationMs <= 50 && evaluation.p95 <= 50,
        ),
        line(
          `502s on ${flakyResult.failed} of ${flakyResult.queries} GraphQL queries (10 %): PRs missing`,
          `${flakyResult.missing} (page halved ${flakyResult.shrinks} times)`,
          '0',
          flakyResult.missing === 0,
        ),
      ],
    ),
    '',
    `Hostile requests by kind and answer: ${Object.entries(hooks.byKind)
      .map(([k, n]) => `${k}: ${n}`)
      .join(
        ', ',
      )}. Webhooks ran on two instances sharing PostgreSQL and Redis (a mid-size project), deliveries one after another, each timed from the simulator's POST to the \`integration.synced\` event on the other instance's \`/api/events\`.`,
  ];
}

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
const duration = (v: number) => (v >= 60_000 ? `${(v / 60_000).toFixed(1)} min` : `${(v / 1000).toFixed(1)} s`);
const kib = (v: number) => (v >= 1_048_576 ? `${(v / 1_048_576).toFixed(1)} MiB` : `${(v / 1024).toFixed(1)} KiB`);
const lines = [
  '<!-- bench:sync:start -->',
  '## Sync at volume (`npm run bench:sync`)',
  '',
  `Written by \`npm run bench:sync\` on ${new Date().toISOString()} in ${duration(Date.now() - started)}; this section is replaced by each run. ` +
    `Machine: ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')} at the end. Embedded mode (PGlite, Postgres-table L2).`,
  '',
  `Project: \`createSimulator({ dataset: 'large' })\` — ${repo.pullRequests.length.toLocaleString('en')} pull requests, ${repo.deployments.length.toLocaleString('en')} deployments (${repo.deployments.filter((d) => d.environment === 'production').length.toLocaleString('en')} to production), ${repo.issues.filter((i) => i.labels.some((l) => l.name === 'incident')).length} incidents; ${data.jira.issues.length.toLocaleString('en')} Jira issues in ${data.jira.sprints.length} sprints. Generated in ${ms(generatedMs)} ms. Stored: ${(counts.rows as { kind: string; n: number }[]).map((r) => `${r.n.toLocaleString('en')} ${r.kind}`).join(', ')}.`,
  '',
  `Requests and budget per integration and sync. GitHub is read over GraphQL: its budget is points (5,000 an hour), as each answer's \`rateLimit.cost\` reports them; Jira spends a request each. Every answer takes ${LATENCY_MS} ms plus up to ${Math.round(LATENCY_MS / 2)} ms of jitter on the simulated clock; "waited" is simulated time spent waiting for rate-limit windows; "time" is wall time plus both. "errors" counts 4xx/5xx answers (403/429 would mean a limit was exceeded).`,
  '',
  ...table(
    [
      ['sync', 'left'],
      ['source', 'left'],
      ['requests', 'right'],
      ['points', 'right'],
      ['304s', 'right'],
      ['rate-limit budget spent', 'right'],
      ['limit', 'left'],
      ['errors', 'right'],
      ['waits', 'right'],
      ['waited (simulated)', 'right'],
      ['bytes received', 'right'],
      ['items written', 'right'],
      ['time (simulated)', 'right'],
    ],
    rows.map((r) => [
      r.step,
      r.source,
      r.requests.toLocaleString('en'),
      r.points.toLocaleString('en'),
      r.notModified.toLocaleString('en'),
      r.budget.toLocaleString('en'),
      r.limit,
      String(r.errors),
      String(r.waits),
      duration(r.waitedMs),
      kib(r.bytes),
      r.written.toLocaleString('en'),
      duration(r.wallMs),
    ]),
  ),
  '',
  ...targetLines(),
  '',
  `Cold reads (forced refill: every tier bypassed, the value rebuilt from the precomputed snapshots and daily points and written back), ${READS} reads each after 3 warm-ups. The 90-day history has ${history.points.length} points.`,
  '',
  ...table(
    [
      ['read', 'left'],
      ['p50', 'right'],
      ['p95', 'right'],
    ],
    readRows.map((r) => [r.what, `${ms(r.p50)} ms`, `${ms(r.p95)} ms`]),
  ),
  '<!-- bench:sync:end -->',
];
const section = lines.join('\n');
const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '# Benchmark results\n';
const pattern = /<!-- bench:sync:start -->[\s\S]*<!-- bench:sync:end -->/;
writeFileSync(OUT, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
console.log(`wrote ${OUT}`);
