/** The fault section of `bench:http`'s report: one row per run, then the targets against what was seen. */
import { table } from './report.ts';

/** What one run of one fault case saw. */
export interface FaultRun {
  fault: string;
  run: number;
  /** Requests of the cached-read load (autocannon, both instances). */
  requests: number;
  /** Failed reads: load and readers (timeouts, connection errors, non-2xx). */
  errors: number;
  /** Cached reads (the autocannon load on team 1's metrics) answered 503. */
  unavailable: number;
  /** The longest request of the load, the readers and the writer (ms). */
  maxRequestMs: number;
  /** Which request that was (method, route, instance). */
  slowest: string;
  /** The longest a stampede lock was seen held in Redis (ms; one never released lives its full TTL). */
  longestLockMs: number;
  writes: number;
  writeErrors: number;
  staleReads: number;
  /** From the first acknowledged write a read missed to its answer (ms). */
  longestStaleMs: number;
  /** Processes that exited on their own during the run. */
  exits: string[];
  /** Sync requests acknowledged (202) just before the fault. */
  syncs: number;
  /** Of those, how many never completed (followed for 90 s after the run). */
  lostSyncs: number;
  syncStates: string[];
  /** Lost-PING case: ms from traffic flowing again to the bus healthy (-1: not within 20 s). */
  busRecoveryMs: number | undefined;
}

const of = (runs: readonly FaultRun[], word: string) => runs.filter((run) => run.fault.includes(word));
const range = (values: readonly number[]) =>
  values.length === 0 ? '—' : `${Math.min(...values)}–${Math.max(...values)}`;
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** The fault section (Markdown lines). */
export function renderFaults(runs: readonly FaultRun[], runsPerCase: number): string[] {
  const killAndStop = [...of(runs, 'killed'), ...of(runs, 'PostgreSQL')];
  const freeze = of(runs, 'frozen');
  const slow = of(runs, 'slower');
  const ping = of(runs, 'PING');
  const pgStop = of(runs, 'PostgreSQL');
  const kill = of(runs, 'killed');
  const recoveries = ping.map((run) => run.busRecoveryMs ?? -1);
  const targets: [string, string, string, boolean][] = [
    [
      'processes that exit during Redis kill / PostgreSQL stop',
      String(sum(killAndStop.map((run) => run.exits.length))),
      '0',
      killAndStop.every((run) => run.exits.length === 0),
    ],
    [
      'longest request during a 5 s Redis freeze (ms, per run)',
      range(freeze.map((run) => run.maxRequestMs)),
      '≤ 1000',
      freeze.every((run) => run.maxRequestMs <= 1_000),
    ],
    [
      "longest stale window, one instance's Redis slow 8 s (ms, per run)",
      range(slow.map((run) => run.longestStaleMs)),
      '≤ 2000',
      slow.every((run) => run.longestStaleMs <= 2_000),
    ],
    [
      "longest request, one instance's Redis slow 8 s (ms, per run)",
      range(slow.map((run) => run.maxRequestMs)),
      '≤ 2000',
      slow.every((run) => run.maxRequestMs <= 2_000),
    ],
    [
      'bus back after a 3 s lost PING (ms after traffic resumes, per run)',
      recoveries.includes(-1) ? 'not within 20 s' : range(recoveries),
      '≤ 5000',
      recoveries.every((ms) => ms >= 0 && ms <= 5_000),
    ],
    [
      'cached reads answering 503 during a 5 s PostgreSQL stop',
      String(sum(pgStop.map((run) => run.unavailable))),
      '0',
      pgStop.every((run) => run.unavailable === 0),
    ],
    [
      'acknowledged syncs lost on a Redis restart',
      `${sum(kill.map((run) => run.lostSyncs))} of ${sum(kill.map((run) => run.syncs))}`,
      '0',
      kill.every((run) => run.lostSyncs === 0),
    ],
  ];
  const met = targets.filter((target) => target[3]).length;
  const exits = runs.flatMap((run) =>
    run.exits.map((exit) => `- ${run.fault}, run ${run.run}: ${exit.split('\n')[0]}`),
  );
  const overASecond = runs
    .filter((run) => run.maxRequestMs > 1_000)
    .map((run) => `- ${run.fault}, run ${run.run}: ${run.maxRequestMs} ms, ${run.slowest}`);
  return [
    '### Faults: two API instances and a worker, private Redis and PostgreSQL',
    '',
    'Services mode: two API instances (`RUN_WORKER=false`) and a separate worker process (`npm run worker`) share a ' +
      'private redis-server and a private PostgreSQL; each API instance reaches Redis through its own TCP proxy, so ' +
      "one instance's path can be slowed or silently cut. During each run both instances take " +
      `\`GET /api/teams/1/metrics\` from autocannon (5 connections each), a writer renames team 2 on instance 1 and ` +
      "a reader polls it on each instance; just before the fault three full syncs (of teams 2 and 3, so team 1's " +
      'metrics stay cached) are requested on instance 1 (the ' +
      'simulated GitHub and Jira answer 200 ms late, so they are running or waiting when it strikes) and followed to ' +
      `their end. Each case ran ${runsPerCase === 1 ? 'once' : `${runsPerCase} times`}. A stale read is a read sent after a rename was acknowledged ` +
      'that answers an older name; its window runs from that acknowledgement to the answer. A lost sync was ' +
      'acknowledged (202) and did not complete within 90 s after the run.',
    '',
    `#### Targets (${met} of ${targets.length} met)`,
    '',
    ...table(
      [
        ['measure', 'left'],
        ['seen', 'right'],
        ['target', 'right'],
        ['met', 'left'],
      ],
      targets.map(([measure, seen, target, ok]) => [measure, seen, target, ok ? 'yes' : '**no**']),
    ),
    '',
    '#### Every run',
    '',
    ...table(
      [
        ['fault', 'left'],
        ['run', 'right'],
        ['cached reads', 'right'],
        ['read errors', 'right'],
        ['cached reads 503', 'right'],
        ['longest request ms', 'right'],
        ['longest lock ms', 'right'],
        ['writes (errors)', 'right'],
        ['stale reads', 'right'],
        ['longest stale ms', 'right'],
        ['exits', 'right'],
        ['syncs lost', 'right'],
        ['bus back ms', 'right'],
      ],
      runs.map((run) => [
        run.fault,
        String(run.run),
        String(run.requests),
        String(run.errors),
        String(run.unavailable),
        String(run.maxRequestMs),
        String(run.longestLockMs),
        `${run.writes} (${run.writeErrors})`,
        String(run.staleReads),
        String(run.longestStaleMs),
        String(run.exits.length),
        `${run.lostSyncs} of ${run.syncs}`,
        run.busRecoveryMs === undefined ? '—' : run.busRecoveryMs < 0 ? 'no' : String(run.busRecoveryMs),
      ]),
    ),
    ...(overASecond.length > 0
      ? ['', 'Runs whose longest request took over a second (which request it was):', '', ...overASecond]
      : []),
    ...(exits.length > 0 ? ['', 'Processes that exited:', '', ...exits] : []),
  ];
}
