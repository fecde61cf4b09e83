/** The Jira connector against the simulator's fixed project: responses in, work items out. */
import { createSimulator, DEFAULT_JIRA_CREDENTIALS, type Simulator } from '@agiletrack/api-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAll } from '../fixture.ts';

const d = (iso: string) => new Date(iso);

describe('Jira connector (fixed project)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await createSimulator({ dataset: 'fixed' });
  });
  afterAll(() => sim?.close());

  it('turns issues, their changelogs and the board sprints into work items', async () => {
    const result = await fetchAll(
      'jira',
      { baseUrl: sim.url, projectKey: 'AT', boardId: 1, email: DEFAULT_JIRA_CREDENTIALS.email },
      { apiToken: DEFAULT_JIRA_CREDENTIALS.apiToken },
    );
    expect(result.complete).toBe(true);
    const issues = result.items
      .filter((i) => i.kind === 'issue')
      .map((i) => [i.externalId, i.state, i.createdAt, i.startedAt, i.finishedAt, i.storyPoints, i.sprint]);
    expect(issues).toEqual([
      ['AT-1', 'done', d('2023-12-28T09:00:00Z'), d('2024-01-02T09:00:00Z'), d('2024-01-04T09:00:00Z'), 3, '1'],
      ['AT-2', 'done', d('2023-12-29T09:00:00Z'), d('2024-01-03T09:00:00Z'), d('2024-01-10T09:00:00Z'), 5, '1'],
      ['AT-3', 'done', d('2024-01-10T09:00:00Z'), d('2024-01-16T09:00:00Z'), d('2024-01-18T09:00:00Z'), 2, '2'],
      ['AT-4', 'in_progress', d('2024-01-12T09:00:00Z'), d('2024-01-17T09:00:00Z'), null, 8, '2'],
    ]);
    const sprints = result.items
      .filter((i) => i.kind === 'sprint')
      .map((i) => [i.externalId, i.state, i.startedAt, i.finishedAt]);
    expect(sprints).toEqual([
      ['1', 'closed', d('2024-01-01T09:00:00Z'), d('2024-01-15T10:00:00Z')],
      ['2', 'active', d('2024-01-15T09:00:00Z'), null],
    ]);
  });
});
