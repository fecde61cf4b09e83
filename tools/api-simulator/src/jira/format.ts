/**
 * Turns the flat Jira records into the nested shapes Jira Cloud answers with: `fields`, status
 * categories, sprint custom field, changelog histories. Jira writes platform-API times as
 * `2024-01-02T09:00:00.000+0000` and Agile-API times as ISO with `Z`; so do we.
 */
import type { Dataset } from '../dataset/dataset.ts';
import type { JiraHistory, JiraIssue, JiraSprint, JiraStatusName, JiraUser } from '../dataset/types.ts';

/** The custom field that holds story points (as in most Jira Cloud sites). */
export const STORY_POINTS_FIELD = 'customfield_10016';
/** The custom field that holds an issue's sprints. */
export const SPRINT_FIELD = 'customfield_10020';

/** `GET /rest/api/{2,3}/field`: the fields a connector discovers story points and sprints from. */
export function fieldList(look: JiraLook): unknown[] {
  const system = (id: string, name: string, type: string) => ({
    id,
    key: id,
    name,
    custom: false,
    orderable: true,
    navigable: true,
    searchable: true,
    clauseNames: [id],
    schema: { type, system: id },
  });
  const custom = (id: string, name: string, type: string, plugin: string, extra: Record<string, string> = {}) => ({
    id,
    key: id,
    name,
    custom: true,
    orderable: true,
    navigable: true,
    searchable: true,
    clauseNames: [`cf[${id.replace('customfield_', '')}]`, name],
    schema: { type, ...extra, custom: plugin, customId: Number(id.replace('customfield_', '')) },
  });
  return [
    system('summary', 'Summary', 'string'),
    system('status', 'Status', 'status'),
    system('issuetype', 'Issue Type', 'issuetype'),
    system('created', 'Created', 'datetime'),
    system('updated', 'Updated', 'datetime'),
    system('resolutiondate', 'Resolved', 'datetime'),
    // A look-alike that must not be mistaken for story points.
    custom('customfield_10001', 'Team', 'team', 'com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team'),
    custom(look.storyPointsField, 'Story Points', 'number', 'com.atlassian.jira.plugin.system.customfieldtypes:float'),
    custom(look.sprintField, 'Sprint', 'array', 'com.pyxis.greenhopper.jira:gh-sprint', { items: 'json' }),
  ];
}

/** Every field the simulator can return, in the order Jira lists them. */
export const ISSUE_FIELDS = [
  'summary',
  'status',
  'issuetype',
  'project',
  'assignee',
  'reporter',
  'created',
  'updated',
  'resolutiondate',
  'resolution',
  STORY_POINTS_FIELD,
  SPRINT_FIELD,
] as const;

/** How a site names its statuses and which custom fields hold story points and sprints. */
export interface JiraLook {
  /** Display name of each workflow status (a site may call "In Progress" "Doing"). */
  statusNames: Record<JiraStatusName, string>;
  storyPointsField: string;
  sprintField: string;
}

/** Jira Cloud's usual names and field ids. */
export const DEFAULT_LOOK: JiraLook = {
  statusNames: { 'To Do': 'To Do', 'In Progress': 'In Progress', Done: 'Done' },
  storyPointsField: STORY_POINTS_FIELD,
  sprintField: SPRINT_FIELD,
};

/** Ids and categories of the three workflow statuses. */
export const STATUSES: Record<JiraStatusName, { id: string; category: { id: number; key: string; name: string } }> = {
  'To Do': { id: '10000', category: { id: 2, key: 'new', name: 'To Do' } },
  'In Progress': { id: '3', category: { id: 4, key: 'indeterminate', name: 'In Progress' } },
  Done: { id: '10001', category: { id: 3, key: 'done', name: 'Done' } },
};

const ISSUE_TYPE_IDS: Record<JiraIssue['issueType'], string> = { Story: '10001', Bug: '10002', Task: '10003' };

/** `2024-01-02T09:00:00.000Z` → `2024-01-02T09:00:00.000+0000`. */
export function jiraTime(iso: string): string;
export function jiraTime(iso: string | null): string | null;
export function jiraTime(iso: string | null): string | null {
  return iso === null ? null : new Date(iso).toISOString().replace(/Z$/, '+0000');
}

/** Which fields to return. */
export type FieldSelection = { kind: 'all'; excluded: Set<string> } | { kind: 'some'; names: Set<string> };

/**
 * Reads a `fields` parameter: a list, or comma-separated strings. `*all` and `*navigable` mean
 * every field, `-name` drops one, `id`/`key` are always returned anyway, unknown names are
 * ignored (as Jira does). Absent: every field if `defaultAll`, else none.
 */
export function parseFields(raw: readonly string[] | undefined, defaultAll: boolean): FieldSelection {
  const items = (raw ?? []).flatMap((entry) => entry.split(',')).map((entry) => entry.trim());
  const wanted = items.filter((entry) => entry !== '');
  if (wanted.length === 0)
    return defaultAll ? { kind: 'all', excluded: new Set() } : { kind: 'some', names: new Set() };
  const excluded = new Set(wanted.filter((f) => f.startsWith('-')).map((f) => f.slice(1)));
  if (wanted.includes('*all') || wanted.includes('*navigable')) return { kind: 'all', excluded };
  return { kind: 'some', names: new Set(wanted.filter((f) => !f.startsWith('-') && !excluded.has(f))) };
}

/** True when the selection asks for no field beyond `id` and `key`. */
export function selectsNothing(selection: FieldSelection): boolean {
  return (
    selection.kind === 'some' &&
    ![...selection.names].some((n) => (ISSUE_FIELDS as readonly string[]).includes(n) || n.startsWith('customfield_'))
  );
}

/** A Jira user object. */
export function formatUser(user: JiraUser, base: string): Record<string, unknown> {
  return {
    self: `${base}/rest/api/3/user?accountId=${encodeURIComponent(user.accountId)}`,
    accountId: user.accountId,
    emailAddress: user.emailAddress,
    displayName: user.displayName,
    active: true,
    accountType: 'atlassian',
  };
}

/** A sprint as the Agile API answers it (null dates left out, as Jira does for future sprints). */
export function formatSprint(sprint: JiraSprint, base: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: sprint.id,
    self: `${base}/rest/agile/1.0/sprint/${sprint.id}`,
    state: sprint.state,
    name: sprint.name,
  };
  if (sprint.startDate) out.startDate = sprint.startDate;
  if (sprint.endDate) out.endDate = sprint.endDate;
  if (sprint.completeDate) out.completeDate = sprint.completeDate;
  out.originBoardId = sprint.originBoardId;
  out.goal = sprint.goal;
  return out;
}

/** One changelog history with its single status item. */
export function formatHistory(
  history: JiraHistory,
  base: string,
  look: JiraLook = DEFAULT_LOOK,
): Record<string, unknown> {
  return {
    id: history.id,
    author: formatUser(history.author, base),
    created: jiraTime(history.created),
    items: [
      {
        field: 'status',
        fieldtype: 'jira',
        fieldId: 'status',
        from: STATUSES[history.from].id,
        fromString: look.statusNames[history.from],
        to: STATUSES[history.to].id,
        toString: look.statusNames[history.to],
      },
    ],
  };
}

function allFields(issue: JiraIssue, dataset: Dataset, base: string, look: JiraLook): Record<string, unknown> {
  const project = dataset.data.jira.projects.find((p) => p.key === issue.projectKey);
  const status = STATUSES[issue.status];
  const sprints = issue.sprintIds
    .map((id) => dataset.data.jira.sprints.find((s) => s.id === id))
    .filter((s): s is JiraSprint => s !== undefined);
  return {
    summary: issue.summary,
    status: {
      self: `${base}/rest/api/3/status/${status.id}`,
      id: status.id,
      name: look.statusNames[issue.status],
      statusCategory: { self: `${base}/rest/api/3/statuscategory/${status.category.id}`, ...status.category },
    },
    issuetype: { id: ISSUE_TYPE_IDS[issue.issueType], name: issue.issueType, subtask: false },
    project: project
      ? { self: `${base}/rest/api/3/project/${project.id}`, id: project.id, key: project.key, name: project.name }
      : null,
    assignee: issue.assignee ? formatUser(issue.assignee, base) : null,
    reporter: formatUser(issue.reporter, base),
    created: jiraTime(issue.created),
    updated: jiraTime(issue.updated),
    resolutiondate: jiraTime(issue.resolutiondate),
    resolution: issue.resolutiondate ? { id: '10000', name: 'Done' } : null,
    [look.storyPointsField]: issue.storyPoints,
    [look.sprintField]:
      sprints.length === 0
        ? null
        : sprints.map((s) => ({
            id: s.id,
            name: s.name,
            state: s.state,
            boardId: s.originBoardId,
            goal: s.goal,
            startDate: s.startDate ?? undefined,
            endDate: s.endDate ?? undefined,
            completeDate: s.completeDate ?? undefined,
          })),
  };
}

/** How to render issues. */
export interface IssueFormat {
  fields: FieldSelection;
  /** `expand=changelog`: include histories, newest first (as Jira's expand does). */
  changelog: boolean;
  /** At most this many histories inline (the newest); `total` tells how many exist. */
  changelogLimit?: number;
  look?: JiraLook;
}

/** An issue as the search and sprint endpoints answer it. */
export function formatIssue(issue: JiraIssue, dataset: Dataset, base: string, format: IssueFormat): unknown {
  const out: Record<string, unknown> = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: `${base}/rest/api/3/issue/${issue.id}`,
    key: issue.key,
  };
  const selection = format.fields;
  if (!selectsNothing(selection)) {
    const every = allFields(issue, dataset, base, format.look ?? DEFAULT_LOOK);
    out.fields = Object.fromEntries(
      Object.entries(every).filter(([name]) =>
        selection.kind === 'all' ? !selection.excluded.has(name) : selection.names.has(name),
      ),
    );
  }
  if (format.changelog) {
    const limit = format.changelogLimit ?? Number.POSITIVE_INFINITY;
    const newest = issue.changelog.slice(Math.max(0, issue.changelog.length - limit)).reverse();
    const histories = newest.map((h) => formatHistory(h, base, format.look));
    out.changelog = { startAt: 0, maxResults: histories.length, total: issue.changelog.length, histories };
  }
  return out;
}
