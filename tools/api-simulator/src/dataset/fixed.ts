/**
 * The `fixed` data set: small enough to compute every metric by hand. The README lists the same
 * values in a table; a test that needs a number should derive it from these records, not copy it.
 *
 * GitHub `acme/web`:
 * - PR #1 (alice) created 2024-01-01 09:00, approved by bob 11:00, merged 13:00 (4 h).
 * - PR #2 (bob) created 2024-01-02 10:00, changes requested by carol 12:00, approved by carol
 *   2024-01-03 10:00, merged 2024-01-03 12:00 (26 h); dave still requested.
 * - PR #3 (carol) created 2024-01-04 08:00, open, alice and bob requested, no reviews.
 * - Issue #4 created 2024-01-01 08:00, closed 2024-01-05 08:00; issue #5 created 2024-01-03 08:00, open.
 * - First commits: #1 2024-01-01 08:00, #2 2024-01-01 16:00, #3 2024-01-04 07:00.
 * - Deployment 101 (production) 2024-01-01 14:00 → success 14:10, shipping #1's merge commit;
 *   deployment 102 (production) 2024-01-03 13:00 → failure 13:05, shipping #2's.
 *
 * Jira project AT, board 1: sprint 1 (closed, 01-01 09:00 → 01-15 09:00, completed 01-15 10:00) holds
 * AT-1 (3 points, done 01-04) and AT-2 (5 points, done 01-10); sprint 2 (active, 01-15 09:00 →
 * 01-29 09:00) holds AT-3 (2 points, done 01-18) and AT-4 (8 points, in progress since 01-17).
 */
import { linkDeployments, mergeShaOf } from './details.ts';
import { fakeSha, githubUser, jiraUser } from './people.ts';
import type {
  GitHubCommit,
  GitHubDeployment,
  GitHubDeploymentStatus,
  GitHubPullRequest,
  GitHubReview,
  JiraHistory,
  JiraIssue,
  JiraStatusName,
  SimulatorData,
} from './types.ts';

const OWNER = 'acme';
const REPO = 'web';

function pull(
  number: number,
  author: string,
  title: string,
  created: string,
  merged: string | null,
  requested: string[],
): GitHubPullRequest {
  return {
    id: 5000 + number,
    number,
    state: merged ? 'closed' : 'open',
    title,
    user: githubUser(author),
    draft: false,
    created_at: created,
    updated_at: merged ?? created,
    closed_at: merged,
    merged_at: merged,
    requested_reviewers: requested.map(githubUser),
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}`,
    head: { ref: `feature/${number}`, sha: fakeSha(`${OWNER}/${REPO}#${number}`) },
    base: { ref: 'main' },
    merge_commit_sha: merged ? mergeShaOf(OWNER, REPO, number) : null,
    labels: [],
  };
}

function review(id: number, pr: number, reviewer: string, state: GitHubReview['state'], at: string): GitHubReview {
  return {
    id,
    user: githubUser(reviewer),
    state,
    body: '',
    submitted_at: at,
    commit_id: fakeSha(`${OWNER}/${REPO}#${pr}`),
  };
}

function deployment(id: number, created: string): GitHubDeployment {
  return {
    id,
    sha: fakeSha(`deploy:${id}`),
    ref: 'main',
    task: 'deploy',
    environment: 'production',
    description: `Deploy ${id}`,
    creator: githubUser('erin'),
    created_at: created,
    updated_at: created,
  };
}

function status(id: number, state: GitHubDeploymentStatus['state'], at: string): GitHubDeploymentStatus {
  return {
    id,
    state,
    environment: 'production',
    description: '',
    creator: githubUser('erin'),
    created_at: at,
    updated_at: at,
  };
}

function history(id: number, from: JiraStatusName, to: JiraStatusName, at: string): JiraHistory {
  return { id: String(id), author: jiraUser('alice'), created: at, from, to };
}

function jiraIssue(
  n: number,
  summary: string,
  type: JiraIssue['issueType'],
  points: number,
  sprint: number,
  created: string,
  inProgress: string,
  done: string | null,
): JiraIssue {
  const changelog = [history(n * 10 + 1, 'To Do', 'In Progress', inProgress)];
  if (done) changelog.push(history(n * 10 + 2, 'In Progress', 'Done', done));
  return {
    id: String(10000 + n),
    key: `AT-${n}`,
    projectKey: 'AT',
    summary,
    issueType: type,
    status: done ? 'Done' : 'In Progress',
    assignee: jiraUser('bob'),
    reporter: jiraUser('alice'),
    created,
    updated: done ?? inProgress,
    resolutiondate: done,
    storyPoints: points,
    sprintIds: [sprint],
    changelog,
  };
}

function commit(number: number, index: number, at: string, head = false): GitHubCommit {
  const sha = head ? fakeSha(`${OWNER}/${REPO}#${number}`) : fakeSha(`${OWNER}/${REPO}#${number}:${index}`);
  return { sha, authored_at: at, committed_at: at };
}

/** A fresh copy of the fixed data set (callers may mutate it). */
export function fixedData(): SimulatorData {
  const data = build();
  // Deployment 101 shipped #1's merge commit, 102 shipped #2's.
  for (const repo of data.github.repos) linkDeployments(repo);
  return data;
}

function build(): SimulatorData {
  return {
    github: {
      repos: [
        {
          id: 1,
          owner: OWNER,
          name: REPO,
          pullRequests: [
            pull(1, 'alice', 'Add login form', '2024-01-01T09:00:00Z', '2024-01-01T13:00:00Z', []),
            pull(2, 'bob', 'Cache team metrics', '2024-01-02T10:00:00Z', '2024-01-03T12:00:00Z', ['dave']),
            pull(3, 'carol', 'Dark mode', '2024-01-04T08:00:00Z', null, ['alice', 'bob']),
          ],
          reviews: {
            '1': [review(7001, 1, 'bob', 'APPROVED', '2024-01-01T11:00:00Z')],
            '2': [
              review(7002, 2, 'carol', 'CHANGES_REQUESTED', '2024-01-02T12:00:00Z'),
              review(7003, 2, 'carol', 'APPROVED', '2024-01-03T10:00:00Z'),
            ],
            '3': [],
          },
          issues: [
            {
              id: 6004,
              number: 4,
              state: 'closed',
              title: 'Login button misaligned',
              user: githubUser('dave'),
              labels: [{ name: 'bug' }],
              created_at: '2024-01-01T08:00:00Z',
              updated_at: '2024-01-05T08:00:00Z',
              closed_at: '2024-01-05T08:00:00Z',
              html_url: `https://github.com/${OWNER}/${REPO}/issues/4`,
            },
            {
              id: 6005,
              number: 5,
              state: 'open',
              title: 'Export metrics as CSV',
              user: githubUser('alice'),
              labels: [{ name: 'enhancement' }],
              created_at: '2024-01-03T08:00:00Z',
              updated_at: '2024-01-03T08:00:00Z',
              closed_at: null,
              html_url: `https://github.com/${OWNER}/${REPO}/issues/5`,
            },
          ],
          deployments: [deployment(101, '2024-01-01T14:00:00Z'), deployment(102, '2024-01-03T13:00:00Z')],
          // First commits: #1 at 08:00 (an hour before it was opened), #2 the afternoon before, #3 at 07:00.
          commits: {
            '1': [commit(1, 0, '2024-01-01T08:00:00Z'), commit(1, 1, '2024-01-01T08:30:00Z', true)],
            '2': [commit(2, 0, '2024-01-01T16:00:00Z'), commit(2, 1, '2024-01-02T09:30:00Z', true)],
            '3': [commit(3, 0, '2024-01-04T07:00:00Z', true)],
          },
          sizes: {
            '1': { additions: 120, deletions: 30, changed_files: 4 },
            '2': { additions: 40, deletions: 10, changed_files: 2 },
            '3': { additions: 300, deletions: 120, changed_files: 9 },
          },
          deploymentStatuses: {
            '101': [status(201, 'in_progress', '2024-01-01T14:00:00Z'), status(202, 'success', '2024-01-01T14:10:00Z')],
            '102': [status(203, 'in_progress', '2024-01-03T13:00:00Z'), status(204, 'failure', '2024-01-03T13:05:00Z')],
          },
        },
      ],
    },
    jira: {
      projects: [{ id: '10000', key: 'AT', name: 'AgileTrack', boardId: 1 }],
      sprints: [
        {
          id: 1,
          name: 'AT Sprint 1',
          state: 'closed',
          originBoardId: 1,
          goal: 'Login',
          startDate: '2024-01-01T09:00:00.000Z',
          endDate: '2024-01-15T09:00:00.000Z',
          completeDate: '2024-01-15T10:00:00.000Z',
        },
        {
          id: 2,
          name: 'AT Sprint 2',
          state: 'active',
          originBoardId: 1,
          goal: 'Metrics',
          startDate: '2024-01-15T09:00:00.000Z',
          endDate: '2024-01-29T09:00:00.000Z',
          completeDate: null,
        },
      ],
      issues: [
        jiraIssue(
          1,
          'Login form',
          'Story',
          3,
          1,
          '2023-12-28T09:00:00.000Z',
          '2024-01-02T09:00:00.000Z',
          '2024-01-04T09:00:00.000Z',
        ),
        jiraIssue(
          2,
          'Session handling',
          'Story',
          5,
          1,
          '2023-12-29T09:00:00.000Z',
          '2024-01-03T09:00:00.000Z',
          '2024-01-10T09:00:00.000Z',
        ),
        jiraIssue(
          3,
          'Metrics off by one',
          'Bug',
          2,
          2,
          '2024-01-10T09:00:00.000Z',
          '2024-01-16T09:00:00.000Z',
          '2024-01-18T09:00:00.000Z',
        ),
        jiraIssue(4, 'Team dashboard', 'Story', 8, 2, '2024-01-12T09:00:00.000Z', '2024-01-17T09:00:00.000Z', null),
      ],
    },
  };
}
