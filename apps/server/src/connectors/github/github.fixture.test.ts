/** The GitHub connector against the simulator's fixed repository: responses in, work items out. */
import { createSimulator, DEFAULT_GITHUB_TOKEN, type Simulator } from '@agiletrack/api-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAll } from '../fixture.ts';

const d = (iso: string) => new Date(iso);

describe('GitHub connector (fixed repository)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await createSimulator({ dataset: 'fixed' });
  });
  afterAll(() => sim?.close());

  it('turns pull requests, reviews and deployments into work items', async () => {
    const result = await fetchAll(
      'github',
      { owner: 'acme', repo: 'web', baseUrl: sim.url },
      { token: DEFAULT_GITHUB_TOKEN },
    );
    expect(result.complete).toBe(true);
    expect(result.deleted).toEqual([]);
    const pick = (kind: string) =>
      result.items
        .filter((i) => i.kind === kind)
        .map(({ kind: _k, title: _t, data: _d, storyPoints: _s, sprint: _p, ...rest }) => rest);
    expect(pick('pull_request')).toEqual([
      {
        externalId: '1',
        state: 'merged',
        createdAt: d('2024-01-01T09:00:00Z'),
        startedAt: d('2024-01-01T08:00:00Z'), // the first commit
        firstReviewAt: d('2024-01-01T11:00:00Z'),
        finishedAt: d('2024-01-01T13:00:00Z'),
      },
      {
        externalId: '2',
        state: 'merged',
        createdAt: d('2024-01-02T10:00:00Z'),
        startedAt: d('2024-01-01T16:00:00Z'),
        firstReviewAt: d('2024-01-02T12:00:00Z'),
        finishedAt: d('2024-01-03T12:00:00Z'),
      },
      {
        externalId: '3',
        state: 'open',
        createdAt: d('2024-01-04T08:00:00Z'),
        startedAt: d('2024-01-04T07:00:00Z'),
        firstReviewAt: null,
        finishedAt: null,
      },
    ]);
    expect(pick('deployment')).toEqual([
      {
        externalId: '101',
        state: 'success',
        createdAt: d('2024-01-01T14:00:00Z'),
        startedAt: d('2024-01-01T14:00:00Z'),
        firstReviewAt: null,
        finishedAt: d('2024-01-01T14:10:00Z'),
      },
      {
        externalId: '102',
        state: 'failure',
        createdAt: d('2024-01-03T13:00:00Z'),
        startedAt: d('2024-01-03T13:00:00Z'),
        firstReviewAt: null,
        finishedAt: d('2024-01-03T13:05:00Z'),
      },
    ]);
    // No issue of the fixed repository carries the incident label.
    expect(pick('incident')).toEqual([]);
    // What later breakdowns need: size, merge commit (what deployment 101 shipped), labels, approvals.
    const first = result.items.find((i) => i.kind === 'pull_request' && i.externalId === '1')!;
    const deployment = result.items.find((i) => i.kind === 'deployment' && i.externalId === '101')!;
    expect(first.data).toMatchObject({ additions: 120, deletions: 30, changedFiles: 4, labels: [], approvals: 1 });
    expect(first.data.mergeCommit).toBe(deployment.data.sha);
  });

  it('reads the same work items over REST, the fallback, as over GraphQL', async () => {
    const config = { owner: 'acme', repo: 'web', baseUrl: sim.url };
    const graphql = await fetchAll('github', config, { token: DEFAULT_GITHUB_TOKEN });
    sim.reset();
    const rest = await fetchAll('github', { ...config, api: 'rest' }, { token: DEFAULT_GITHUB_TOKEN });
    expect(rest.items).toEqual(graphql.items);
    expect(Object.keys(sim.counts().byRoute).every((route) => route.startsWith('GET /repos'))).toBe(true);
  });
});
