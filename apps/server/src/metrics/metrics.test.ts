import { METRICS, type MetricName, quantile, statisticOf } from '@agiletrack/domain';
import { describe, expect, it } from 'vitest';
import type { WorkItemInput } from '../connectors/types.ts';
import { dailyPoints, valuesAt } from './compute.ts';
import { githubMetrics } from './github.ts';
import { jiraMetrics } from './jira.ts';
import { valuesOf } from './samples.ts';
import type { MetricItem } from './stats.ts';

const median = (values: number[]) => quantile(values, 0.5);
const indexItems = (kind: 'github' | 'jira', items: readonly MetricItem[]) =>
  (kind === 'github' ? githubMetrics : jiraMetrics)(items);
const computeMetrics = (kind: 'github' | 'jira', items: readonly MetricItem[], now: Date, windowDays: number) =>
  valuesAt(indexItems(kind, items), now.getTime(), windowDays);

const NOW = new Date('2026-11-24T00:00:00Z');
const at = (daysAgo: number, hours = 0) => new Date(NOW.getTime() - daysAgo * 86_400_000 + hours * 3_600_000);
const item = (over: Partial<WorkItemInput>): WorkItemInput => ({
  kind: 'pull_request',
  externalId: '1',
  title: '',
  state: 'open',
  createdAt: at(1),
  startedAt: null,
  firstReviewAt: null,
  finishedAt: null,
  storyPoints: null,
  sprint: null,
  data: {},
  ...over,
});
const deployment = (id: string, state: string, finished: Date, environment = 'production') =>
  item({
    kind: 'deployment',
    externalId: id,
    state,
    createdAt: new Date(finished.getTime() - 600_000),
    finishedAt: finished,
    data: { environment, production: environment === 'production' },
  });

describe('median and quantile', () => {
  it('interpolate between ranks', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([24, 30, 24], 0.85)).toBeCloseTo(28.2); // sorted 24, 24, 30: 24 + 6 × 0.7
    expect(quantile([7], 0.85)).toBe(7);
  });
});

describe('GitHub metrics and the four DORA keys (hand-computed)', () => {
  // A 28-day window ending at NOW. Production deployments in it: d1, d2, d3, d5, d6, d7.
  const items = [
    deployment('d8', 'success', at(40)), // outside the window
    deployment('d1', 'success', at(20)),
    deployment('d2', 'failure', at(15)), // failed; restored by d3 six hours later
    deployment('d3', 'success', at(15, 6)),
    deployment('d4', 'success', at(14), 'staging'), // staging never counts
    deployment('d5', 'success', at(10)), // followed by incident i1 three hours later: a failure
    deployment('d6', 'success', at(5)),
    deployment('d7', 'error', at(2)), // failed, not restored yet
    item({ kind: 'incident', externalId: 'i1', state: 'closed', createdAt: at(10, 3), finishedAt: at(10, 13) }),
    // Lead time: opened → first successful production deployment at or after the merge.
    item({ externalId: 'p1', state: 'merged', createdAt: at(21), firstReviewAt: at(21, 2), finishedAt: at(20, -1) }),
    item({ externalId: 'p2', state: 'merged', createdAt: at(16), firstReviewAt: at(16, 4), finishedAt: at(15, -1) }),
    item({ externalId: 'p3', state: 'merged', createdAt: at(11), finishedAt: at(10, -2) }),
    item({ externalId: 'p4', state: 'merged', createdAt: at(3), finishedAt: at(2, -1) }), // only d7 (error) after
    item({ externalId: 'p5', state: 'open', createdAt: at(2) }),
    item({ externalId: 'p6', state: 'open', createdAt: at(2), data: { draft: true } }),
  ];

  it('computes each metric as docs/METRICS.md defines it', () => {
    expect(computeMetrics('github', items, NOW, 28)).toEqual({
      deploymentsPerWeek: 1, // d1, d3, d5, d6 succeeded (d4 is staging): 4 in 4 weeks
      leadTimeHours: 24, // p1 24 h (d1), p2 30 h (d3; d2 failed), p3 24 h (d5); p4 never deployed
      leadTimeP85Hours: 28.2, // sorted 24, 24, 30: 24 + 6 × 0.7
      changeFailureRate: 0.5, // d2 (failure), d5 (incident), d7 (error) of 6 production deployments
      timeToRestoreHours: 8, // d2 → d3 6 h; i1 opened → closed 10 h
      timeToRestoreP85Hours: 9.4, // 6 + 4 × 0.85
      prThroughputPerWeek: 1, // p1–p4 merged in 4 weeks
      prReviewTimeHours: 3, // 2 h and 4 h
      prReviewTimeP85Hours: 3.7, // 2 + 2 × 0.85
      prMergeTimeHours: 23, // 23, 23, 22, 23 h
      prMergeTimeP85Hours: 23,
      prWorkInProgress: 1, // p5 (p6 is a draft)
      deployments: 6, // production only
      failedDeployments: 3,
      deployedChanges: 3,
      restores: 2,
      mergedPullRequests: 4,
      reviewedPullRequests: 2,
      // The breakdown, over p1–p4 merged in the window (no first commit known: no coding time).
      cycleCodingHours: 0,
      cycleCodingP85Hours: 0,
      cyclePickupHours: 3, // p1 2 h, p2 4 h (p3, p4 merged without a review)
      cyclePickupP85Hours: 3.7,
      cycleReviewHours: 20, // p1 21 h, p2 19 h
      cycleReviewP85Hours: 20.7,
      cycleDeployHours: 2, // p1 1 h (d1), p2 7 h (d3), p3 2 h (d5)
      cycleDeployP85Hours: 5.5, // sorted 1, 2, 7: 2 + 5 × 0.7
      prSizeLines: null, // no line counts
      prSizeP85Lines: null,
    });
  });

  it('narrows to a shorter window', () => {
    const week = computeMetrics('github', items, NOW, 7);
    expect(week).toMatchObject({ deploymentsPerWeek: 1, deployments: 2, changeFailureRate: 0.5 }); // d6, d7
    expect(week.timeToRestoreHours).toBeNull();
  });

  it('gives one point per day, moving with time even when nothing happens', () => {
    const points = dailyPoints(indexItems('github', items), '2026-11-01', '2026-11-23', 28, NOW.getTime());
    expect(points).toHaveLength(23);
    expect(points.map((p) => p.day)[0]).toBe('2026-11-01');
    expect(points.at(-1)!.metrics).toEqual(computeMetrics('github', items, NOW, 28));
  });
});

describe('lead time for changes', () => {
  const merged = (id: string, firstCommit: Date, mergedAt: Date, sha: string) =>
    item({
      externalId: id,
      state: 'merged',
      createdAt: mergedAt,
      startedAt: firstCommit,
      finishedAt: mergedAt,
      data: { mergeCommit: sha },
    });
  const shipping = (id: string, finished: Date, sha: string, state = 'success') => ({
    ...deployment(id, state, finished),
    data: { environment: 'production', production: true, sha },
  });

  it('counts from the first commit to the deployment that shipped the merge commit', () => {
    const items = [
      shipping('d0', at(20), 'old'), // the first deployment known
      merged('p1', at(12), at(10), 'm1'),
      merged('p2', at(11), at(9), 'm2'),
      merged('p3', at(9), at(8), 'm3'),
      // d1 started after p3 was merged but names m2: it shipped p1 and p2, not p3.
      shipping('d1', at(7), 'm2'),
      shipping('d2', at(6), 'm3', 'failure'), // failed: ships nothing
      shipping('d3', at(2), 'm3'),
    ];
    const metrics = computeMetrics('github', items, NOW, 28);
    // p1: 12 − 7 = 5 days, p2: 11 − 7 = 4 days, p3: 9 − 2 = 7 days.
    expect(metrics.deployedChanges).toBe(3);
    expect(metrics.leadTimeHours).toBe(120);
  });

  it('does not attribute pull requests merged before the first deployment it knows of', () => {
    const items = [
      merged('p0', at(30), at(25), 'm0'), // merged long before: its deployment is not known
      merged('p1', at(12), at(10), 'm1'),
      shipping('d1', at(20), 'm0'), // the first deployment known (it names p0's merge commit)
      shipping('d2', at(7), 'm1'),
    ];
    const metrics = computeMetrics('github', items, NOW, 28);
    expect(metrics.deployedChanges).toBe(1); // p1 only
    expect(metrics.leadTimeHours).toBe(120);
  });
});

describe('Jira metrics (hand-computed)', () => {
  const items = [
    item({
      kind: 'issue',
      externalId: 'A-1',
      state: 'done',
      createdAt: at(20),
      startedAt: at(18),
      finishedAt: at(16),
      storyPoints: 3,
      sprint: '1',
    }),
    item({
      kind: 'issue',
      externalId: 'A-2',
      state: 'done',
      createdAt: at(12),
      startedAt: at(11),
      finishedAt: at(9),
      storyPoints: 5,
      sprint: '2',
    }),
    item({
      kind: 'issue',
      externalId: 'A-3',
      state: 'done',
      createdAt: at(12),
      startedAt: at(10),
      finishedAt: at(8),
      storyPoints: 8,
      sprint: '2',
    }),
    item({ kind: 'issue', externalId: 'A-4', state: 'in_progress', createdAt: at(3), startedAt: at(2), sprint: '3' }),
    item({ kind: 'issue', externalId: 'A-5', state: 'todo', createdAt: at(1), sprint: '3' }),
    item({
      kind: 'sprint',
      externalId: '1',
      state: 'closed',
      createdAt: at(28),
      startedAt: at(28),
      finishedAt: at(14),
    }),
    item({ kind: 'sprint', externalId: '2', state: 'closed', createdAt: at(14), startedAt: at(14), finishedAt: at(7) }),
    item({ kind: 'sprint', externalId: '3', state: 'active', createdAt: at(7), startedAt: at(7) }),
  ];

  it('computes each metric as docs/METRICS.md defines it', () => {
    expect(computeMetrics('jira', items, NOW, 28)).toEqual({
      issueThroughputPerWeek: 0.75, // 3 done / 4 weeks
      cycleTimeHours: 48, // in progress → done: 48, 48, 48
      cycleTimeP85Hours: 48,
      issueLeadTimeHours: 96, // created → done: 96, 72, 96
      issueLeadTimeP85Hours: 96,
      sprintVelocity: 8, // closed sprints: 3 points and 13 points → mean 8 (each issue adds its points ÷ 2)
      issueWorkInProgress: 1,
      doneIssues: 3,
    });
  });
});

describe('every number is its statistic over the rows it lists', () => {
  // A repository whose pull requests close after the instant asked about, drafts, a deployment
  // naming no merge commit, and a Jira board: the counts must equal their lists on every day.
  const items = [
    deployment('d1', 'success', at(25)),
    deployment('d2', 'failure', at(12)),
    deployment('d3', 'success', at(11)),
    item({ kind: 'incident', externalId: 'i1', state: 'closed', createdAt: at(11, 2), finishedAt: at(10) }),
    item({ externalId: 'p1', state: 'merged', createdAt: at(20), startedAt: at(21), finishedAt: at(12, -3) }),
    item({ externalId: 'p2', state: 'merged', createdAt: at(6), firstReviewAt: at(5), finishedAt: at(1) }),
    item({ externalId: 'p3', state: 'open', createdAt: at(9), data: { closedAt: at(-2).toISOString() } }),
    item({ externalId: 'p4', state: 'open', createdAt: at(4), data: { draft: true } }),
    item({
      externalId: 'p5',
      state: 'closed',
      createdAt: at(8),
      finishedAt: null,
      data: { closedAt: at(3).toISOString() },
    }),
  ];
  const jira = [
    item({
      kind: 'issue',
      externalId: 'J-1',
      state: 'done',
      createdAt: at(30),
      startedAt: at(20),
      finishedAt: at(10),
      storyPoints: 5,
      sprint: 's1',
    }),
    item({ kind: 'issue', externalId: 'J-2', state: 'in_progress', createdAt: at(9), startedAt: at(8) }),
    item({
      kind: 'sprint',
      externalId: 's1',
      state: 'closed',
      createdAt: at(21),
      startedAt: at(21),
      finishedAt: at(7),
    }),
  ];

  it('holds for every metric, window and day', () => {
    let checked = 0;
    for (const [kind, list] of [
      ['github', items],
      ['jira', jira],
    ] as const) {
      const index = indexItems(kind, list);
      for (let day = 0; day <= 30; day++) {
        for (const windowDays of [7, 14, 28]) {
          const t = NOW.getTime() - day * 86_400_000;
          const sets = index(t, windowDays);
          const values = valuesOf(sets, windowDays);
          for (const [name, value] of Object.entries(values)) {
            const { drill, statistic } = METRICS[name as MetricName];
            const rows = sets[drill]!.rows();
            expect(rows.map((r) => r.value)).toEqual([...sets[drill]!.values]);
            expect(
              statisticOf(
                statistic,
                rows.map((r) => r.value),
                windowDays,
              ),
              `${name} ${day} ${windowDays}`,
            ).toBe(value);
            for (const row of rows) expect(row.at).toBeLessThanOrEqual(t);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1_000);
  });

  it('counts a pull request closed after the instant as open then, and lists it', () => {
    const sets = indexItems('github', items)(NOW.getTime(), 28);
    expect(sets.open_pull_requests!.rows().map((r) => r.ref)).toEqual(['pull_request:p3']); // p4 is a draft, p5 closed
    const before = indexItems('github', items)(at(5).getTime(), 28);
    expect(
      before
        .open_pull_requests!.rows()
        .map((r) => r.ref)
        .sort(),
    ).toEqual(['pull_request:p2', 'pull_request:p3', 'pull_request:p5']);
    expect(before.open_pull_requests!.values).toHaveLength(3);
  });
});
