import { describe, expect, it } from 'vitest';
import { Dataset } from './dataset/dataset.ts';
import { fixedData } from './dataset/fixed.ts';
import { DEFAULT_DATASET_SIZE, generateData } from './dataset/generate.ts';

const HOUR = 3_600_000;
const ms = (iso: string | null) => Date.parse(iso!);

describe('generated data', () => {
  it('is the same for the same seed and different for another', () => {
    const a = generateData(42, DEFAULT_DATASET_SIZE);
    expect(generateData(42, DEFAULT_DATASET_SIZE)).toEqual(a);
    expect(JSON.stringify(generateData(43, DEFAULT_DATASET_SIZE))).not.toBe(JSON.stringify(a));
  });

  it('has the configured size', () => {
    const size = { ...DEFAULT_DATASET_SIZE, repos: 3, pullRequestsPerRepo: 5, issuesPerRepo: 4, deploymentsPerRepo: 2 };
    const data = generateData(1, { ...size, projects: 1, sprintsPerBoard: 3, issuesPerSprint: 4 });
    expect(data.github.repos.map((r) => r.name)).toEqual(['web', 'api', 'mobile']);
    for (const repo of data.github.repos) {
      expect(repo.pullRequests).toHaveLength(5);
      expect(repo.issues).toHaveLength(4);
      expect(repo.deployments).toHaveLength(2);
    }
    expect(data.jira.sprints).toHaveLength(3);
    expect(data.jira.issues).toHaveLength(12);
  });

  it('keeps GitHub records consistent: reviews before merge, numbers shared and unique', () => {
    const data = generateData(7, DEFAULT_DATASET_SIZE);
    for (const repo of data.github.repos) {
      const numbers = [...repo.pullRequests.map((p) => p.number), ...repo.issues.map((i) => i.number)];
      expect(new Set(numbers).size).toBe(numbers.length);
      for (const pr of repo.pullRequests) {
        const reviews = repo.reviews[String(pr.number)] ?? [];
        for (const review of reviews) expect(ms(review.submitted_at)).toBeGreaterThan(ms(pr.created_at));
        if (pr.merged_at) {
          expect(pr.state).toBe('closed');
          expect(pr.closed_at).toBe(pr.merged_at);
          expect(reviews.at(-1)?.state).toBe('APPROVED');
          expect(ms(pr.merged_at)).toBeGreaterThan(ms(reviews.at(-1)!.submitted_at));
        }
        if (pr.state === 'open') expect(pr.closed_at).toBeNull();
      }
      for (const deployment of repo.deployments) {
        const statuses = repo.deploymentStatuses[String(deployment.id)]!;
        expect(statuses.map((s) => s.state)[0]).toBe('in_progress');
        expect(['success', 'failure']).toContain(statuses.at(-1)!.state);
      }
    }
  });

  it('moves Jira issues To Do → In Progress → Done in time order, resolved when done', () => {
    const data = generateData(7, DEFAULT_DATASET_SIZE);
    let done = 0;
    for (const issue of data.jira.issues) {
      const steps = issue.changelog.map((h) => `${h.from}>${h.to}`);
      expect(['', 'To Do>In Progress', 'To Do>In Progress,In Progress>Done']).toContain(steps.join(','));
      const times = issue.changelog.map((h) => ms(h.created));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      if (times.length > 0) expect(times[0]!).toBeGreaterThan(ms(issue.created));
      expect(issue.status).toBe(issue.changelog.at(-1)?.to ?? 'To Do');
      expect(issue.resolutiondate).toBe(issue.status === 'Done' ? issue.changelog.at(-1)!.created : null);
      if (issue.status === 'Done') done++;
    }
    expect(done).toBeGreaterThan(data.jira.issues.length / 2);
    expect(data.jira.sprints.filter((s) => s.state === 'active')).toHaveLength(DEFAULT_DATASET_SIZE.projects);
  });
});

describe('fixed data', () => {
  // The values the README promises; metrics tests elsewhere hand-compute from these.
  it('has three pull requests with 4 h and 26 h cycle times and one open', () => {
    const repo = fixedData().github.repos[0]!;
    expect(`${repo.owner}/${repo.name}`).toBe('acme/web');
    const cycle = repo.pullRequests.map((p) => (p.merged_at ? (ms(p.merged_at) - ms(p.created_at)) / HOUR : null));
    expect(cycle).toEqual([4, 26, null]);
    const firstReview = repo.pullRequests.map((p) => repo.reviews[String(p.number)]![0]?.submitted_at ?? null);
    expect(firstReview).toEqual(['2024-01-01T11:00:00Z', '2024-01-02T12:00:00Z', null]);
    expect(repo.pullRequests[2]!.requested_reviewers.map((u) => u.login)).toEqual(['alice', 'bob']);
  });

  it('has two production deployments, one succeeded and one failed', () => {
    const repo = fixedData().github.repos[0]!;
    expect(repo.deployments.map((d) => [d.id, d.environment, d.created_at])).toEqual([
      [101, 'production', '2024-01-01T14:00:00Z'],
      [102, 'production', '2024-01-03T13:00:00Z'],
    ]);
    expect(repo.deployments.map((d) => repo.deploymentStatuses[String(d.id)]!.at(-1)!.state)).toEqual([
      'success',
      'failure',
    ]);
  });

  it('has four Jira issues in two sprints: 8 points done in sprint 1, 2 of 10 in sprint 2', () => {
    const { jira } = fixedData();
    const pointsDone = (sprint: number) =>
      jira.issues
        .filter((i) => i.sprintIds.includes(sprint) && i.status === 'Done')
        .reduce((sum, i) => sum + (i.storyPoints ?? 0), 0);
    const committed = (sprint: number) =>
      jira.issues.filter((i) => i.sprintIds.includes(sprint)).reduce((sum, i) => sum + (i.storyPoints ?? 0), 0);
    expect(jira.issues.map((i) => i.key)).toEqual(['AT-1', 'AT-2', 'AT-3', 'AT-4']);
    expect([pointsDone(1), committed(1), pointsDone(2), committed(2)]).toEqual([8, 8, 2, 10]);
    const cycleHours = jira.issues.map((i) =>
      i.changelog.length === 2 ? (ms(i.changelog[1]!.created) - ms(i.changelog[0]!.created)) / HOUR : null,
    );
    expect(cycleHours).toEqual([48, 168, 48, null]);
  });

  it('is a fresh copy each time', () => {
    const a = fixedData();
    a.github.repos[0]!.pullRequests.pop();
    expect(fixedData().github.repos[0]!.pullRequests).toHaveLength(3);
  });
});

describe('Dataset changes', () => {
  it('adds a pull request with the next number and its reviews, and bumps the revision', () => {
    const dataset = new Dataset({ kind: 'fixed' });
    const pr = dataset.addPullRequest('acme', 'web', {
      user: 'dave',
      created_at: '2024-01-05T09:00:00Z',
      merged_at: '2024-01-05T12:00:00Z',
      reviews: [{ user: 'erin', state: 'APPROVED', submitted_at: '2024-01-05T10:00:00Z' }],
    });
    expect(pr).toMatchObject({ number: 6, state: 'closed', closed_at: '2024-01-05T12:00:00Z', id: 5004 });
    expect(dataset.repo('acme', 'web')!.reviews['6']).toHaveLength(1);
    expect(dataset.revision).toBe(1);
  });

  it('transitions a Jira issue and records the change', () => {
    const dataset = new Dataset({ kind: 'fixed' });
    const issue = dataset.transitionJiraIssue('AT-4', 'Done', '2024-01-20T09:00:00.000Z');
    expect(issue.status).toBe('Done');
    expect(issue.resolutiondate).toBe('2024-01-20T09:00:00.000Z');
    expect(issue.changelog.at(-1)).toMatchObject({ from: 'In Progress', to: 'Done' });
  });

  it('restore() brings back the original records', () => {
    const dataset = new Dataset({ kind: 'generated', seed: 3, size: DEFAULT_DATASET_SIZE });
    const before = JSON.stringify(dataset.data);
    dataset.mutate((data) => {
      data.github.repos.pop();
    });
    dataset.addJiraIssue({ projectKey: 'AT' });
    expect(JSON.stringify(dataset.data)).not.toBe(before);
    dataset.restore();
    expect(JSON.stringify(dataset.data)).toBe(before);
  });

  it('never holds a time after its clock, wherever the clock falls in the generated span', () => {
    const size = { ...DEFAULT_DATASET_SIZE, pullRequestsPerRepo: 200, deploymentsPerRepo: 60, issuesPerSprint: 20 };
    for (const day of [5, 30, 61, 89]) {
      const now = Date.parse(size.start) + day * 24 * HOUR + 7 * HOUR;
      const dataset = new Dataset({ kind: 'generated', seed: 11, size }, () => now);
      const late: string[] = [];
      const visit = (value: unknown, path: string): void => {
        if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && Date.parse(value) > now) late.push(path);
        else if (Array.isArray(value)) {
          for (const [i, v] of value.entries()) visit(v, `${path}[${i}]`);
        } else if (value !== null && typeof value === 'object')
          for (const [key, v] of Object.entries(value)) visit(v, `${path}.${key}`);
      };
      visit(dataset.data.github, 'github');
      visit(
        dataset.data.jira.issues.map(({ changelog, created, updated, resolutiondate }) => ({
          changelog,
          created,
          updated,
          resolutiondate,
        })),
        'jira.issues',
      );
      // A running sprint's planned end is the one date ahead of "now", as in Jira; nothing else is.
      visit(
        dataset.data.jira.sprints.map(({ startDate, completeDate }) => ({ startDate, completeDate })),
        'jira.sprints',
      );
      expect(late).toEqual([]);
      // Merged and closed pull requests never close after the clock (an open one is counted as open).
      const pulls = dataset.data.github.repos.flatMap((r) => r.pullRequests);
      expect(pulls.some((p) => p.merged_at !== null)).toBe(true);
    }
  });

  it('refuses unknown repositories and projects', () => {
    const dataset = new Dataset({ kind: 'fixed' });
    expect(() => dataset.addPullRequest('acme', 'nope')).toThrow(/no repository acme\/nope/);
    expect(() => dataset.addJiraIssue({ projectKey: 'NOPE' })).toThrow(/no Jira project/);
  });
});
