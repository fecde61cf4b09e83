/**
 * The generated data set: the same random seed and size give the same records, byte for byte, on every
 * machine (no wall clock, no Math.random). Times start at `size.start` and spread over
 * `size.days`; pull requests get reviews before they merge, deployments get statuses, Jira
 * issues move To Do → In Progress → Done inside their sprints, and unfinished work carries over.
 */
import { createRandom, type Random } from '../random.ts';
import { detailRepo } from './details.ts';
import { compareText, DAY, fakeSha, GITHUB_LOGINS, githubTime, githubUser, HOUR, isoTime, jiraUser } from './people.ts';
import type {
  GitHubDeployment,
  GitHubDeploymentStatus,
  GitHubIssue,
  GitHubPullRequest,
  GitHubRepo,
  GitHubReview,
  JiraHistory,
  JiraIssue,
  JiraProject,
  JiraSprint,
  JiraStatusName,
  SimulatorData,
} from './types.ts';

/** How much data a seeded data set holds. */
export interface DatasetSize {
  /** Repositories under the `acme` owner. @default 2 */
  repos: number;
  /** @default 40 */
  pullRequestsPerRepo: number;
  /** @default 30 */
  issuesPerRepo: number;
  /** @default 20 */
  deploymentsPerRepo: number;
  /** Jira projects, one scrum board each. @default 2 */
  projects: number;
  /** Two-week sprints per board; the last is active, the others closed. @default 6 */
  sprintsPerBoard: number;
  /** Issues planned into each sprint. @default 10 */
  issuesPerSprint: number;
  /** First instant of the data (ISO-8601). @default '2024-01-01T00:00:00Z' */
  start: string;
  /** GitHub activity spreads over this many days. @default 90 */
  days: number;
  /** Fraction of successful production deployments followed by an incident (an issue labelled `incident`). @default 0.05 */
  incidentRate: number;
  /** Fraction of Jira issues bounced between statuses dozens of times (changelogs longer than a page). @default 0 */
  longChangelogRate: number;
}

/** Every default of {@link DatasetSize} in one place. */
export const DEFAULT_DATASET_SIZE: DatasetSize = {
  repos: 2,
  pullRequestsPerRepo: 40,
  issuesPerRepo: 30,
  deploymentsPerRepo: 20,
  projects: 2,
  sprintsPerBoard: 6,
  issuesPerSprint: 10,
  start: '2024-01-01T00:00:00Z',
  days: 90,
  incidentRate: 0.05,
  longChangelogRate: 0,
};

/**
 * The large project: one repository with 10,000 pull requests over two years, 2,000 deployments
 * (about four in five to production), incidents, and a Jira project with 30,004 issues in 52
 * two-week sprints, a few of them with changelogs longer than one page.
 */
export const LARGE_DATASET_SIZE: DatasetSize = {
  repos: 1,
  pullRequestsPerRepo: 10_000,
  issuesPerRepo: 200,
  deploymentsPerRepo: 2_000,
  projects: 1,
  sprintsPerBoard: 52,
  issuesPerSprint: 577,
  start: '2024-01-01T00:00:00Z',
  days: 730,
  incidentRate: 0.05,
  longChangelogRate: 0.002,
};

const REPO_NAMES = ['web', 'api', 'mobile', 'infra', 'docs', 'billing'];
const PROJECT_KEYS = ['AT', 'WEB', 'API', 'OPS', 'DATA', 'SEC'];
const TITLES = ['Fix', 'Add', 'Refactor', 'Speed up', 'Document', 'Remove', 'Test'];
const TOPICS = ['login', 'cache', 'metrics', 'sync', 'dashboard', 'export', 'billing', 'search', 'sprint board'];
const POINTS = [1, 2, 3, 3, 5, 5, 8, 13] as const;

/** Builds the generated data set. */
export function generateData(seed: number, size: DatasetSize): SimulatorData {
  const random = createRandom(seed);
  const start = Date.parse(size.start);
  const ids = { pull: 5000, issue: 6000, review: 7000, deployment: 100, status: 200 };
  const repos: GitHubRepo[] = [];
  for (let r = 0; r < size.repos; r++) repos.push(generateRepo(random, r, start, size, ids));
  // Incidents and long changelogs draw from their own streams, so turning them on or off leaves
  // every other record as it was.
  const incidents = createRandom(seed ^ 0x1c1d);
  for (const repo of repos) addIncidents(incidents, repo, size.incidentRate, ids);
  const details = createRandom(seed ^ 0xd37a);
  for (const repo of repos) detailRepo(details, repo);
  const jira = generateJira(random, start, size);
  lengthenChangelogs(createRandom(seed ^ 0xc4a9), jira.issues, size.longChangelogRate);
  return { github: { repos }, jira };
}

/** Opens an incident after some successful production deployments; it closes when service is restored. */
function addIncidents(random: Random, repo: GitHubRepo, rate: number, ids: { issue: number }): void {
  if (rate <= 0) return;
  let number = Math.max(0, ...repo.pullRequests.map((p) => p.number), ...repo.issues.map((i) => i.number));
  for (const deployment of repo.deployments) {
    if (deployment.environment !== 'production') continue;
    const finished = repo.deploymentStatuses[String(deployment.id)]?.at(-1);
    if (finished?.state !== 'success' || !random.chance(rate)) continue;
    const opened = Date.parse(finished.created_at) + random.int(1, 12) * HOUR;
    const closed = opened + random.int(1, 48) * HOUR;
    number++;
    repo.issues.push({
      id: ++ids.issue,
      number,
      state: 'closed',
      title: `Incident: ${random.pick(TOPICS)} degraded`,
      user: githubUser(random.pick(GITHUB_LOGINS)),
      labels: [{ name: 'incident' }],
      created_at: githubTime(opened),
      updated_at: githubTime(closed),
      closed_at: githubTime(closed),
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${number}`,
    });
  }
}

/** Bounces a few started issues between To Do and In Progress many times before they go on. */
function lengthenChangelogs(random: Random, issues: JiraIssue[], rate: number): void {
  if (rate <= 0) return;
  let historyId = 50_000_000;
  for (const issue of issues) {
    const first = issue.changelog[0];
    if (first === undefined || !random.chance(rate)) continue;
    const startedAt = Date.parse(first.created);
    const until = issue.changelog[1] ? Date.parse(issue.changelog[1].created) : startedAt + 2 * DAY;
    const bounces = random.int(30, 70);
    const step = Math.max(1, Math.floor((until - startedAt) / (2 * bounces + 2)));
    const extra: JiraHistory[] = [];
    for (let b = 0; b < bounces; b++) {
      const at = startedAt + (2 * b + 1) * step;
      extra.push(
        { id: String(++historyId), author: first.author, created: isoTime(at), from: 'In Progress', to: 'To Do' },
        {
          id: String(++historyId),
          author: first.author,
          created: isoTime(at + step),
          from: 'To Do',
          to: 'In Progress',
        },
      );
    }
    issue.changelog.splice(1, 0, ...extra);
  }
}

function title(random: Random): string {
  return `${random.pick(TITLES)} ${random.pick(TOPICS)}`;
}

function generateRepo(
  random: Random,
  index: number,
  start: number,
  size: DatasetSize,
  ids: Record<'pull' | 'issue' | 'review' | 'deployment' | 'status', number>,
): GitHubRepo {
  const owner = 'acme';
  const name = REPO_NAMES[index] ?? `repo-${index + 1}`;
  const span = size.days * DAY;
  // Pull requests and issues share one number space in GitHub, numbered in creation order.
  const items = [
    ...Array.from({ length: size.pullRequestsPerRepo }, () => ({
      kind: 'pull' as const,
      at: start + random.int(0, span),
    })),
    ...Array.from({ length: size.issuesPerRepo }, () => ({ kind: 'issue' as const, at: start + random.int(0, span) })),
  ].sort((a, b) => a.at - b.at);

  const pullRequests: GitHubPullRequest[] = [];
  const reviews: Record<string, GitHubReview[]> = {};
  const issues: GitHubIssue[] = [];
  items.forEach((item, i) => {
    const number = i + 1;
    if (item.kind === 'pull') {
      const made = generatePull(random, owner, name, number, item.at, ids);
      pullRequests.push(made.pull);
      reviews[String(number)] = made.reviews;
    } else {
      issues.push(generateIssue(random, owner, name, number, item.at, ++ids.issue));
    }
  });

  const deployments: GitHubDeployment[] = [];
  const deploymentStatuses: Record<string, GitHubDeploymentStatus[]> = {};
  const deployTimes = Array.from({ length: size.deploymentsPerRepo }, () => start + random.int(0, span)).sort(
    (a, b) => a - b,
  );
  for (const at of deployTimes) {
    const id = ++ids.deployment;
    const environment = random.chance(0.8) ? 'production' : 'staging';
    const creator = githubUser(random.pick(GITHUB_LOGINS));
    deployments.push({
      id,
      sha: fakeSha(`${owner}/${name}:deploy:${id}`),
      ref: 'main',
      task: 'deploy',
      environment,
      description: `Deploy ${name} to ${environment}`,
      creator,
      created_at: githubTime(at),
      updated_at: githubTime(at),
    });
    const started = at + random.int(0, 2) * 60_000;
    const finished = started + random.int(3, 20) * 60_000;
    const status = (state: GitHubDeploymentStatus['state'], time: number): GitHubDeploymentStatus => ({
      id: ++ids.status,
      state,
      environment,
      description: '',
      creator,
      created_at: githubTime(time),
      updated_at: githubTime(time),
    });
    deploymentStatuses[String(id)] = [
      status('in_progress', started),
      status(random.chance(0.88) ? 'success' : 'failure', finished),
    ];
  }
  return {
    id: 100 + index,
    owner,
    name,
    pullRequests,
    reviews,
    issues,
    deployments,
    deploymentStatuses,
    commits: {},
    sizes: {},
  };
}

function generatePull(
  random: Random,
  owner: string,
  repo: string,
  number: number,
  createdAt: number,
  ids: Record<'pull' | 'review', number>,
): { pull: GitHubPullRequest; reviews: GitHubReview[] } {
  const author = random.pick(GITHUB_LOGINS);
  const others = GITHUB_LOGINS.filter((login) => login !== author);
  const requested = random.sample(others, random.int(1, 2));
  const outcome = random.next();
  const merged = outcome < 0.75;
  const closed = merged || outcome < 0.88;
  const sha = fakeSha(`${owner}/${repo}#${number}`);

  // Reviews come in order; a merged pull request always ends with an approval.
  const reviews: GitHubReview[] = [];
  let at = createdAt;
  const reviewCount = merged ? random.int(1, 3) : random.int(0, 2);
  for (let i = 0; i < reviewCount; i++) {
    at += random.int(30, 30 * 60) * 60_000;
    const last = i === reviewCount - 1;
    const state: GitHubReview['state'] =
      merged && last ? 'APPROVED' : random.pick(['CHANGES_REQUESTED', 'COMMENTED', 'APPROVED'] as const);
    reviews.push({
      id: ++ids.review,
      user: githubUser(random.pick(requested)),
      state,
      body: '',
      submitted_at: githubTime(at),
      commit_id: sha,
    });
  }
  const closedAt = closed ? at + random.int(10, 24 * 60) * 60_000 : null;
  const reviewed = new Set(reviews.map((r) => r.user.login));
  const pull: GitHubPullRequest = {
    id: ++ids.pull,
    number,
    state: closed ? 'closed' : 'open',
    title: title(random),
    user: githubUser(author),
    draft: !closed && random.chance(0.2),
    created_at: githubTime(createdAt),
    updated_at: githubTime(closedAt ?? at),
    closed_at: closedAt === null ? null : githubTime(closedAt),
    merged_at: merged && closedAt !== null ? githubTime(closedAt) : null,
    // GitHub drops a reviewer from `requested_reviewers` once they have reviewed.
    requested_reviewers: requested.filter((login) => !reviewed.has(login)).map(githubUser),
    html_url: `https://github.com/${owner}/${repo}/pull/${number}`,
    head: { ref: `feature/${number}`, sha },
    base: { ref: 'main' },
    merge_commit_sha: null,
    labels: [],
  };
  return { pull, reviews };
}

function generateIssue(
  random: Random,
  owner: string,
  repo: string,
  number: number,
  createdAt: number,
  id: number,
): GitHubIssue {
  const closedAt = random.chance(0.7) ? createdAt + random.int(1, 240) * HOUR : null;
  return {
    id,
    number,
    state: closedAt === null ? 'open' : 'closed',
    title: title(random),
    user: githubUser(random.pick(GITHUB_LOGINS)),
    labels: [{ name: random.pick(['bug', 'enhancement', 'chore']) }],
    created_at: githubTime(createdAt),
    updated_at: githubTime(closedAt ?? createdAt),
    closed_at: closedAt === null ? null : githubTime(closedAt),
    html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
  };
}

function generateJira(random: Random, start: number, size: DatasetSize): SimulatorData['jira'] {
  const projects: JiraProject[] = [];
  const sprints: JiraSprint[] = [];
  const issues: JiraIssue[] = [];
  const sprintLength = 14 * DAY;
  let sprintId = 0;
  let issueId = 10000;
  let historyId = 100000;

  for (let p = 0; p < size.projects; p++) {
    const key = PROJECT_KEYS[p] ?? `P${p + 1}`;
    const boardId = p + 1;
    projects.push({ id: String(10000 + p), key, name: `${key} project`, boardId });

    const boardSprints: JiraSprint[] = [];
    for (let s = 0; s < size.sprintsPerBoard; s++) {
      const sprintStart = start + s * sprintLength + 9 * HOUR;
      const active = s === size.sprintsPerBoard - 1;
      boardSprints.push({
        id: ++sprintId,
        name: `${key} Sprint ${s + 1}`,
        state: active ? 'active' : 'closed',
        originBoardId: boardId,
        goal: `Ship ${random.pick(TOPICS)}`,
        startDate: isoTime(sprintStart),
        endDate: isoTime(sprintStart + sprintLength),
        completeDate: active ? null : isoTime(sprintStart + sprintLength + HOUR),
      });
    }
    sprints.push(...boardSprints);

    const drafts: Omit<JiraIssue, 'id' | 'key'>[] = [];
    boardSprints.forEach((sprint, s) => {
      const next = boardSprints[s + 1];
      for (let i = 0; i < size.issuesPerSprint; i++) {
        drafts.push(generateJiraIssue(random, key, sprint, next, () => String(++historyId)));
      }
    });
    // Keys follow creation order, as Jira assigns them.
    drafts.sort((a, b) => compareText(a.created, b.created));
    drafts.forEach((draft, i) => {
      issues.push({ id: String(++issueId), key: `${key}-${i + 1}`, ...draft });
    });
  }
  return { projects, sprints, issues };
}

function generateJiraIssue(
  random: Random,
  projectKey: string,
  sprint: JiraSprint,
  next: JiraSprint | undefined,
  nextHistoryId: () => string,
): Omit<JiraIssue, 'id' | 'key'> {
  const sprintStart = Date.parse(sprint.startDate!);
  const sprintEnd = Date.parse(sprint.endDate!);
  const created = sprintStart - random.int(1, 10 * 24) * HOUR;
  const assignee = random.pick(GITHUB_LOGINS);
  const changelog: JiraHistory[] = [];
  const move = (from: JiraStatusName, to: JiraStatusName, at: number) =>
    changelog.push({ id: nextHistoryId(), author: jiraUser(assignee), created: isoTime(at), from, to });

  const sprintIds = [sprint.id];
  const roll = random.next();
  let status: JiraStatusName = 'To Do';
  if (sprint.state === 'closed') {
    const startedAt = sprintStart + random.int(1, 8 * 24) * HOUR;
    move('To Do', 'In Progress', startedAt);
    status = 'In Progress';
    if (roll < 0.85) {
      move('In Progress', 'Done', Math.min(startedAt + random.int(4, 5 * 24) * HOUR, sprintEnd - HOUR));
      status = 'Done';
    } else if (next) {
      // Unfinished work carries over into the next sprint, where it may finish.
      sprintIds.push(next.id);
      if (next.state === 'closed' || random.chance(0.5)) {
        move('In Progress', 'Done', Date.parse(next.startDate!) + random.int(1, 6 * 24) * HOUR);
        status = 'Done';
      }
    }
  } else if (roll < 0.7) {
    const startedAt = sprintStart + random.int(1, 4 * 24) * HOUR;
    move('To Do', 'In Progress', startedAt);
    status = 'In Progress';
    if (roll < 0.4) {
      move('In Progress', 'Done', startedAt + random.int(4, 3 * 24) * HOUR);
      status = 'Done';
    }
  }
  const last = changelog.at(-1);
  const issueType = random.pick(['Story', 'Story', 'Bug', 'Task'] as const);
  const points = random.pick(POINTS);
  return {
    projectKey,
    summary: `${random.pick(TITLES)} ${random.pick(TOPICS)}`,
    issueType,
    status,
    assignee: status === 'To Do' ? null : jiraUser(assignee),
    reporter: jiraUser(random.pick(GITHUB_LOGINS)),
    created: isoTime(created),
    updated: last?.created ?? isoTime(created),
    resolutiondate: status === 'Done' ? last!.created : null,
    storyPoints: issueType === 'Bug' && random.chance(0.5) ? null : points,
    sprintIds,
    changelog,
  };
}
