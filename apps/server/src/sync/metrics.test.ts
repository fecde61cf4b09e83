import { describe, expect, it } from 'vitest';
import { computeMetrics, median } from './metrics.ts';
import type { WorkItemInput } from './types.ts';

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

describe('median', () => {
  it('takes the middle, or the mean of the two middles', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('GitHub metrics (hand-computed)', () => {
  // Two PRs merged in the 28-day window: open 10 h and 30 h; one merged 40 days ago (outside);
  // one open, one open draft. Reviews after 2 h and 4 h. Deployments succeed 5 h after each merge.
  const items = [
    item({ externalId: '1', state: 'merged', createdAt: at(10), firstReviewAt: at(10, 2), finishedAt: at(10, 10) }),
    item({ externalId: '2', state: 'merged', createdAt: at(5), firstReviewAt: at(5, 4), finishedAt: at(5, 30) }),
    item({ externalId: '3', state: 'merged', createdAt: at(41), finishedAt: at(40) }),
    item({ externalId: '4', state: 'open', createdAt: at(2) }),
    item({ externalId: '5', state: 'open', createdAt: at(2), data: { draft: true } }),
    item({ kind: 'deployment', externalId: 'd1', state: 'success', createdAt: at(10, 14), finishedAt: at(10, 15) }),
    item({ kind: 'deployment', externalId: 'd2', state: 'success', createdAt: at(5, 34), finishedAt: at(5, 35) }),
    item({ kind: 'deployment', externalId: 'd3', state: 'failure', createdAt: at(3), finishedAt: null }),
  ];

  it('computes each metric as docs/METRICS.md defines it', () => {
    expect(computeMetrics('github', items, NOW, 28)).toEqual({
      throughputPerWeek: 0.5, // 2 merged / 4 weeks
      cycleTimeHours: null,
      leadTimeHours: 25, // median of 15 h and 35 h (created → first successful deployment after merge)
      prMergeTimeHours: 20, // median of 10 h and 30 h
      reviewTurnaroundHours: 3, // median of 2 h and 4 h
      deploymentsPerWeek: 0.5, // 2 successful / 4 weeks
      sprintVelocity: null,
      workInProgress: 1, // open, not draft
    });
  });

  it('narrows to a shorter window', () => {
    const week = computeMetrics('github', items, NOW, 7);
    expect(week.throughputPerWeek).toBe(1); // only PR 2
    expect(week.prMergeTimeHours).toBe(30);
  });
});

describe('Jira metrics (hand-computed)', () => {
  const items = [
    item({
      kind: 'issue',
      externalId: 'A-1',
      state: 'Done',
      createdAt: at(20),
      startedAt: at(18),
      finishedAt: at(16),
      storyPoints: 3,
      sprint: '1',
    }),
    item({
      kind: 'issue',
      externalId: 'A-2',
      state: 'Done',
      createdAt: at(12),
      startedAt: at(11),
      finishedAt: at(9),
      storyPoints: 5,
      sprint: '2',
    }),
    item({
      kind: 'issue',
      externalId: 'A-3',
      state: 'Done',
      createdAt: at(12),
      startedAt: at(10),
      finishedAt: at(8),
      storyPoints: 8,
      sprint: '2',
    }),
    item({ kind: 'issue', externalId: 'A-4', state: 'In Progress', createdAt: at(3), startedAt: at(2), sprint: '3' }),
    item({ kind: 'issue', externalId: 'A-5', state: 'To Do', createdAt: at(1), sprint: '3' }),
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
      throughputPerWeek: 0.75, // 3 done / 4 weeks
      cycleTimeHours: 48, // in progress → done: 48, 48, 48
      leadTimeHours: 96, // created → done: 96, 72, 96
      prMergeTimeHours: null,
      reviewTurnaroundHours: null,
      deploymentsPerWeek: null,
      sprintVelocity: 8, // closed sprints: 3 points and 13 points → mean 8
      workInProgress: 1,
    });
  });
});
