/**
 * Shared by the end-to-end sync tests: the fixed data set's hand-computed metrics, API helpers,
 * and the separate worker process (`npm run worker`'s entry point).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_GITHUB_TOKEN, DEFAULT_JIRA_CREDENTIALS, type Simulator } from '@agiletrack/api-simulator';
import { expect } from 'vitest';
import { TEST_DATABASE_URL, TEST_OUTBOUND_ALLOW, TEST_REDIS_URL, type TestServer } from './harness.ts';

/** The data set's metrics are computed as of this instant (a 28-day window: 2023-12-23 → 2024-01-20). */
export const AS_OF = Date.parse('2024-01-20T00:00:00Z');

/** Hand-computed from tools/api-simulator/src/dataset/fixed.ts. */
export const EXPECTED = {
  github: {
    deploymentsPerWeek: 0.25, // one successful production deployment (101) in 4 weeks
    // #1 was merged (13:00) before 101 (14:00), the first deployment known: with history that may be
    // partial, it is not attributed; #2 was never deployed (102, which shipped it, failed).
    leadTimeHours: null,
    leadTimeP85Hours: null,
    changeFailureRate: 0.5, // 2 production deployments, 102 failed
    timeToRestoreHours: null, // no successful deployment after 102 yet
    timeToRestoreP85Hours: null,
    prThroughputPerWeek: 0.5, // PRs #1 and #2 merged in the window, 4 weeks
    prReviewTimeHours: 2, // #1 first review after 2 h, #2 after 2 h
    prReviewTimeP85Hours: 2,
    prMergeTimeHours: 15, // median of 4 h (#1) and 26 h (#2)
    prMergeTimeP85Hours: 22.7, // 4 + (26 - 4) × 0.85
    prWorkInProgress: 1, // #3 is open
    deployments: 2,
    failedDeployments: 1,
    deployedChanges: 0,
    restores: 0,
    mergedPullRequests: 2,
    reviewedPullRequests: 2,
    // The breakdown of #1 and #2: first commits at 08:00 (an hour before #1 was opened) and the
    // afternoon before #2 (18 h); first reviews 2 h after opening; merged 2 h and 24 h after them.
    cycleCodingHours: 9.5, // median of 1 h and 18 h
    cycleCodingP85Hours: 15.45, // 1 + 17 × 0.85
    cyclePickupHours: 2,
    cyclePickupP85Hours: 2,
    cycleReviewHours: 13, // median of 2 h and 24 h
    cycleReviewP85Hours: 20.7, // 2 + 22 × 0.85
    cycleDeployHours: null, // nothing shipped by a successful deployment yet
    cycleDeployP85Hours: null,
    prSizeLines: 100, // #1 120 + 30, #2 40 + 10
    prSizeP85Lines: 135, // 50 + 100 × 0.85
  },
  jira: {
    issueThroughputPerWeek: 0.75, // AT-1, AT-2, AT-3 done in the window
    cycleTimeHours: 48, // median of 48 h (AT-1), 168 h (AT-2), 48 h (AT-3)
    cycleTimeP85Hours: 132, // sorted 48, 48, 168: 48 + 120 × 0.7
    issueLeadTimeHours: 192, // median of 168 h, 288 h, 192 h
    issueLeadTimeP85Hours: 259.2, // sorted 168, 192, 288: 192 + 96 × 0.7
    sprintVelocity: 8, // closed sprint 1: AT-1 (3) + AT-2 (5)
    issueWorkInProgress: 1, // AT-4
    doneIssues: 3,
  },
};

/** Polls a job until it finishes; returns it. */
export async function waitForJob(t: TestServer, jobId: string, timeoutMs = 50_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await t.request({ method: 'GET', url: `/api/jobs/${jobId}` });
    const job = response.json().job as Record<string, unknown>;
    if (job.state === 'completed' || job.state === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${String(job.state)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Creates the two integrations pointing at the simulator; returns their ids. `name` prefixes their
 * names, for a test that connects the same project more than once; `github` adds GitHub settings
 * (`{ api: 'rest' }` for the REST fallback).
 */
export async function connect(
  t: TestServer,
  sim: Simulator,
  name?: string,
  github: Record<string, unknown> = {},
): Promise<{ github: number; jira: number }> {
  const created = await t.request({
    method: 'POST',
    url: `/api/teams/${t.ids.teamA}/integrations`,
    payload: {
      kind: 'github',
      name: name === undefined ? 'web' : `${name} repo`,
      config: { owner: 'acme', repo: 'web', baseUrl: sim.url, ...github },
      credentials: { token: DEFAULT_GITHUB_TOKEN },
    },
  });
  const jira = await t.request({
    method: 'POST',
    url: `/api/teams/${t.ids.teamA}/integrations`,
    payload: {
      kind: 'jira',
      name: name === undefined ? 'AT board' : `${name} board`,
      config: { baseUrl: sim.url, projectKey: 'AT', boardId: 1, email: DEFAULT_JIRA_CREDENTIALS.email },
      credentials: { apiToken: DEFAULT_JIRA_CREDENTIALS.apiToken },
    },
  });
  expect(created.statusCode).toBe(201);
  expect(jira.statusCode).toBe(201);
  return { github: created.json().integration.id, jira: jira.json().integration.id };
}

/** Starts a sync through the API and waits for it. */
export async function sync(t: TestServer, integrationId: number, timeoutMs?: number): Promise<Record<string, unknown>> {
  const started = await t.request({ method: 'POST', url: `/api/integrations/${integrationId}/sync` });
  expect(started.statusCode).toBe(202);
  return waitForJob(t, started.json().jobId, timeoutMs);
}

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

/**
 * Starts a worker process on `t`'s database schema, Redis prefix and secret key, with `env` added;
 * its output is appended to `output` (shown when a test fails).
 */
export function startWorker(t: TestServer, env: Record<string, string>, output: string[]): ChildProcess {
  const worker = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env,
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: t.schema,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: t.prefix,
      SECRET_KEY: t.secretKey,
      OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (chunk) => output.push(String(chunk)));
  worker.stderr?.on('data', (chunk) => output.push(String(chunk)));
  failOnCrash(worker, 'the worker process', output);
  return worker;
}

/**
 * Fails the running test (through the process guard, `vitest.process-guard.ts`) when `child` ends
 * on its own with an error code: an unhandled rejection or an unlistened 'error' ends a Node
 * process with code 1. A child the test kills ends by a signal and a stopped one with code 0.
 */
export function failOnCrash(child: ChildProcess, name: string, output: readonly string[]): void {
  child.once('exit', (code, signal) => {
    if (signal !== null || code === 0) return;
    const guard = (globalThis as { [key: symbol]: { problems: string[] } | undefined })[
      Symbol.for('agiletrack.processGuard')
    ];
    guard?.problems.push(`${name} exited with code ${code}:\n${output.join('').slice(-4_000)}`);
  });
}

/** Resolves when `child` has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}
