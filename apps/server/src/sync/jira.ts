/**
 * Jira Cloud connector (REST v3 and Agile 1.0 shapes): the project's issues with their status
 * changelog and story points, and the board's sprints. Issues page with `nextPageToken`.
 */
import type { ExternalClient } from './http-client.ts';
import type { FetchResult, Progress, WorkItemInput } from './types.ts';

/** Jira integration settings (validated by the API). */
export interface JiraConfig {
  projectKey: string;
  boardId?: number | undefined;
}

interface ChangeItem {
  field?: string;
  fromString?: string | null;
  toString?: string | null;
}
interface History {
  created: string;
  items?: ChangeItem[];
}
interface JiraIssue {
  key: string;
  fields: {
    summary?: string;
    status?: { name?: string };
    created: string;
    resolutiondate?: string | null;
    customfield_10016?: number | null;
    customfield_10020?: { id: number; name?: string }[] | null;
  };
  changelog?: { histories?: History[] };
}
interface SearchPage {
  issues: JiraIssue[];
  nextPageToken?: string;
  isLast?: boolean;
}
interface SprintPage {
  values: {
    id: number;
    name: string;
    state: string;
    startDate?: string | null;
    endDate?: string | null;
    completeDate?: string | null;
  }[];
  isLast?: boolean;
  startAt?: number;
  maxResults?: number;
}
interface ChangelogPage {
  values: History[];
  isLast?: boolean;
  startAt?: number;
  maxResults?: number;
  total?: number;
}

const FIELDS = ['summary', 'status', 'created', 'resolutiondate', 'customfield_10016', 'customfield_10020'];

function statusTimes(histories: History[]): { started: Date | null; done: Date | null } {
  let started: Date | null = null;
  let done: Date | null = null;
  const ordered = [...histories].sort((a, b) => new Date(a.created).getTime() - new Date(b.created).getTime());
  for (const history of ordered) {
    for (const item of history.items ?? []) {
      if (item.field !== 'status') continue;
      if (item.toString === 'In Progress' && started === null) started = new Date(history.created);
      if (item.toString === 'Done') done = new Date(history.created);
      if (item.fromString === 'Done' && item.toString !== 'Done') done = null; // reopened
    }
  }
  return { started, done };
}

/** Fetches a project's issues and its board's sprints. */
export async function fetchJira(client: ExternalClient, config: JiraConfig, progress: Progress): Promise<FetchResult> {
  const items: WorkItemInput[] = [];
  let changed = false;
  let token: string | undefined;
  const jql = `project = ${config.projectKey} ORDER BY created ASC`;
  do {
    const params = new URLSearchParams({ jql, fields: FIELDS.join(','), expand: 'changelog', maxResults: '100' });
    if (token) params.set('nextPageToken', token);
    const page = await client.get<SearchPage>(`/rest/api/3/search/jql?${params}`);
    changed ||= page.changed;
    if (!Array.isArray(page.body?.issues)) throw new Error('Jira search: expected an issues array');
    for (const issue of page.body.issues) {
      let histories = issue.changelog?.histories;
      if (histories === undefined) {
        const log = await client.get<ChangelogPage>(
          `/rest/api/3/issue/${encodeURIComponent(issue.key)}/changelog?maxResults=100`,
        );
        changed ||= log.changed;
        histories = log.body.values ?? [];
      }
      const { started, done } = statusTimes(histories);
      const sprints = issue.fields.customfield_10020 ?? [];
      const status = issue.fields.status?.name ?? 'unknown';
      const finished =
        status === 'Done'
          ? (done ?? (issue.fields.resolutiondate ? new Date(issue.fields.resolutiondate) : null))
          : null;
      items.push({
        kind: 'issue',
        externalId: issue.key,
        title: issue.fields.summary ?? '',
        state: status,
        createdAt: new Date(issue.fields.created),
        startedAt: started,
        firstReviewAt: null,
        finishedAt: finished,
        storyPoints: typeof issue.fields.customfield_10016 === 'number' ? issue.fields.customfield_10016 : null,
        sprint: sprints.length > 0 ? String(sprints[sprints.length - 1]!.id) : null,
        data: { sprintIds: sprints.map((s) => s.id) },
      });
    }
    progress('issues', items.length);
    token =
      page.body.isLast === false || (page.body.isLast === undefined && page.body.nextPageToken)
        ? page.body.nextPageToken
        : undefined;
  } while (token);

  if (config.boardId !== undefined) {
    let startAt = 0;
    for (;;) {
      const page = await client.get<SprintPage>(
        `/rest/agile/1.0/board/${config.boardId}/sprint?startAt=${startAt}&maxResults=50`,
      );
      changed ||= page.changed;
      for (const sprint of page.body.values ?? []) {
        items.push({
          kind: 'sprint',
          externalId: String(sprint.id),
          title: sprint.name,
          state: sprint.state,
          createdAt: new Date(sprint.startDate ?? sprint.endDate ?? 0),
          startedAt: sprint.startDate ? new Date(sprint.startDate) : null,
          firstReviewAt: null,
          finishedAt: sprint.completeDate ? new Date(sprint.completeDate) : null,
          storyPoints: null,
          sprint: String(sprint.id),
          data: { endDate: sprint.endDate ?? null },
        });
      }
      const count = page.body.values?.length ?? 0;
      if (page.body.isLast !== false || count === 0) break;
      startAt += count;
    }
    progress('sprints', items.filter((i) => i.kind === 'sprint').length);
  }
  return { items, changed };
}
