/**
 * Jira connector, incremental: Jira Cloud (REST v3, token-paged search, HTTP Basic) or Jira Server /
 * Data Center (REST v2, offset-paged search, personal access token as `Bearer`).
 * - issues updated since the last sync (`updated >= "<mark>"`, in the site's own offset), with
 *   every page of a changelog longer than the search inlines;
 * - states from status *categories* (`new`, `indeterminate`, `done`), with an optional
 *   per-integration mapping by status name for workflows whose categories do not say it;
 * - story points and sprints from the fields `/rest/api/N/field` names (overridable);
 * - deletions: once a day the project's issue count is checked; when fewer issues exist than are
 *   stored, one id-only listing finds the missing ones. The board's sprints are read in full once a
 *   day; in between, only the open ones (and all again when an open one is no longer listed).
 */
import type { ExternalClient } from '../http-client.ts';
import type { DeletedItem, FetchResult, KnownItem, Progress, SyncContext, WorkItemInput } from '../types.ts';

/** A workflow state as the metrics read it. */
export type StatusCategory = 'todo' | 'in_progress' | 'done';

/** Jira integration settings (validated by the API). */
export interface JiraConfig {
  projectKey: string;
  boardId?: number | undefined;
  /** `cloud` (default) or `datacenter` (Jira Server / Data Center). */
  deployment?: 'cloud' | 'datacenter' | undefined;
  /** Status name → category, for statuses whose Jira category is not what the team means. */
  statusMapping?: Record<string, StatusCategory> | undefined;
  /** Field ids of story points and sprints, when discovery by name is not right for a site. */
  fields?: { storyPoints?: string | undefined; sprint?: string | undefined } | undefined;
}

interface ChangeItem {
  field?: string;
  fieldId?: string;
  fromString?: string | null;
  toString?: string | null;
}
interface History {
  created: string;
  items?: ChangeItem[];
}
interface JiraIssue {
  key: string;
  fields: Record<string, unknown> & {
    summary?: string;
    status?: { name?: string; statusCategory?: { key?: string } };
    issuetype?: { name?: string };
    created: string;
    updated?: string;
    resolutiondate?: string | null;
  };
  changelog?: { histories?: History[]; total?: number };
}
interface SprintPage {
  values?: {
    id: number;
    name: string;
    state: string;
    startDate?: string | null;
    endDate?: string | null;
    completeDate?: string | null;
  }[];
  isLast?: boolean;
}
interface Field {
  id: string;
  name?: string;
  custom?: boolean;
  schema?: { custom?: string; type?: string };
}
interface Cursor {
  updated?: string;
  /** When deletions and the whole sprint list were last checked (once a day; ISO). */
  checkedAt?: string;
  fields?: { storyPoints: string | null; sprint: string | null };
  statuses?: Record<string, StatusCategory>;
}

const DAY_MS = 86_400_000;

const CATEGORY_OF_KEY: Record<string, StatusCategory> = { new: 'todo', indeterminate: 'in_progress', done: 'done' };
const SPRINT_SCHEMA = 'com.pyxis.greenhopper.jira:gh-sprint';
const STORY_POINT_NAMES = ['story points', 'story point estimate'];

/** Finds the story-point and sprint fields by their schema and name. */
export function discoverFields(fields: readonly Field[]): { storyPoints: string | null; sprint: string | null } {
  const sprint = fields.find((f) => f.schema?.custom === SPRINT_SCHEMA)?.id ?? null;
  const storyPoints =
    STORY_POINT_NAMES.map((name) => fields.find((f) => f.custom && f.name?.toLowerCase() === name)?.id).find(
      (id) => id !== undefined,
    ) ?? null;
  return { storyPoints, sprint };
}

/** `2024-01-02T09:30:00.000+0100` → `2024/01/02 09:30`: JQL reads dates in the user's time zone, which is the offset Jira wrote. */
export function jqlDate(jiraTime: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(jiraTime);
  if (!match) throw new Error(`unexpected Jira time ${jiraTime}`);
  return `${match[1]}/${match[2]}/${match[3]} ${match[4]}:${match[5]}`;
}

/** The category of a status name: the integration's mapping, what Jira said, then the name itself. */
function categorize(name: string, config: JiraConfig, learned: Record<string, StatusCategory>): StatusCategory {
  const lower = name.toLowerCase();
  for (const [mapped, category] of Object.entries(config.statusMapping ?? {})) {
    if (mapped.toLowerCase() === lower) return category;
  }
  const known = learned[lower];
  if (known) return known;
  if (/\b(done|closed|resolved|released|shipped)\b/.test(lower)) return 'done';
  if (/\b(to ?do|open|backlog|new|selected)\b/.test(lower)) return 'todo';
  return 'in_progress';
}

function statusTimes(
  histories: readonly History[],
  category: (name: string) => StatusCategory,
): { started: Date | null; done: Date | null } {
  let started: Date | null = null;
  let done: Date | null = null;
  const ordered = [...histories].sort((a, b) => Date.parse(a.created) - Date.parse(b.created));
  for (const history of ordered) {
    for (const item of history.items ?? []) {
      if ((item.fieldId ?? item.field) !== 'status' || !item.toString) continue;
      const to = category(item.toString);
      const at = new Date(history.created);
      if (to !== 'todo' && started === null) started = at;
      if (to === 'done') done = at;
      else done = null; // reopened
    }
  }
  return { started, done };
}

/** Fetches the issues that changed since the cursor (all on a full sync) and the board's sprints. */
export async function fetchJira(
  client: ExternalClient,
  config: JiraConfig,
  ctx: SyncContext,
  progress: Progress,
): Promise<FetchResult> {
  const cloud = (config.deployment ?? 'cloud') === 'cloud';
  const api = cloud ? '/rest/api/3' : '/rest/api/2';
  const cursor: Cursor = ctx.full ? {} : ((ctx.cursor ?? {}) as Cursor);
  const next: Cursor = { ...cursor, statuses: { ...cursor.statuses } };
  const learned = next.statuses!;

  let fields = cursor.fields;
  if (fields === undefined && (config.fields?.storyPoints === undefined || config.fields?.sprint === undefined)) {
    fields = discoverFields((await client.get<Field[]>(`${api}/field`)).body ?? []);
  }
  next.fields = {
    storyPoints: config.fields?.storyPoints ?? fields?.storyPoints ?? null,
    sprint: config.fields?.sprint ?? fields?.sprint ?? null,
  };
  const { storyPoints: pointsField, sprint: sprintField } = next.fields;

  const project = `project = ${config.projectKey}`;
  const jql =
    cursor.updated === undefined
      ? `${project} ORDER BY created ASC`
      : `${project} AND updated >= "${jqlDate(cursor.updated)}" ORDER BY updated ASC`;
  const wanted = ['summary', 'status', 'issuetype', 'created', 'updated', 'resolutiondate', pointsField, sprintField]
    .filter((f): f is string => f !== null)
    .join(',');

  const issues: JiraIssue[] = [];
  let token: string | undefined;
  let startAt = 0;
  for (;;) {
    const params = new URLSearchParams({ jql, fields: wanted, expand: 'changelog', maxResults: '100' });
    if (cloud && token) params.set('nextPageToken', token);
    if (!cloud) params.set('startAt', String(startAt));
    const page = await client.get<{ issues?: JiraIssue[]; nextPageToken?: string; isLast?: boolean; total?: number }>(
      `${api}/${cloud ? 'search/jql' : 'search'}?${params}`,
    );
    const batch = page.body?.issues;
    if (!Array.isArray(batch)) throw new Error('Jira search: expected an issues array');
    issues.push(...batch);
    progress('issues', issues.length);
    if (cloud) {
      token =
        page.body.isLast === false || (page.body.isLast === undefined && page.body.nextPageToken)
          ? page.body.nextPageToken
          : undefined;
      if (!token) break;
    } else {
      startAt += batch.length;
      if (batch.length === 0 || startAt >= (page.body.total ?? 0)) break;
    }
  }

  // Learn each status's category from the issues that carry it, before reading the changelogs.
  for (const issue of issues) {
    const name = issue.fields.status?.name;
    const key = issue.fields.status?.statusCategory?.key;
    if (name && key && CATEGORY_OF_KEY[key]) learned[name.toLowerCase()] = CATEGORY_OF_KEY[key];
  }
  const category = (name: string) => categorize(name, config, learned);

  const known = ctx.full ? new Map() : await ctx.known('issue');
  const items: WorkItemInput[] = [];
  for (const issue of issues) {
    const updated = issue.fields.updated ?? issue.fields.created;
    next.updated =
      next.updated === undefined || Date.parse(updated) > Date.parse(next.updated) ? updated : next.updated;
    if (known.get(issue.key)?.updatedAt === updated) continue;
    let histories = issue.changelog?.histories ?? [];
    const total = issue.changelog?.total ?? histories.length;
    if (cloud && (issue.changelog === undefined || total > histories.length)) {
      histories = await readChangelog(client, issue.key);
    }
    const status = issue.fields.status?.name ?? 'unknown';
    const state = category(status);
    const { started, done } = statusTimes(histories, category);
    const sprints = sprintField ? ((issue.fields[sprintField] as { id: number }[] | null | undefined) ?? []) : [];
    const points = pointsField ? issue.fields[pointsField] : null;
    const resolved = issue.fields.resolutiondate ? new Date(issue.fields.resolutiondate) : null;
    items.push({
      kind: 'issue',
      externalId: issue.key,
      title: issue.fields.summary ?? '',
      state,
      createdAt: new Date(issue.fields.created),
      startedAt: started,
      firstReviewAt: null,
      finishedAt: state === 'done' ? (done ?? resolved) : null,
      storyPoints: typeof points === 'number' ? points : null,
      sprint: sprints.length > 0 ? String(sprints[sprints.length - 1]!.id) : null,
      data: {
        updatedAt: updated,
        status,
        type: issue.fields.issuetype?.name ?? null,
        sprintIds: sprints.map((s) => s.id),
      },
    });
  }

  // Deletions and closed sprints rarely change: they are checked once a day (and on a full sync),
  // so a sync with nothing changed costs the search and one page of open sprints.
  const now = ctx.now ?? Date.now();
  const daily = ctx.full || cursor.checkedAt === undefined || now - Date.parse(cursor.checkedAt) >= DAY_MS;
  if (daily) next.checkedAt = new Date(now).toISOString();
  const deleted: DeletedItem[] = !daily || ctx.full ? [] : await findDeleted(client, config, cloud, api, known, issues);
  if (config.boardId !== undefined) {
    const knownSprints: ReadonlyMap<string, KnownItem> = ctx.full ? new Map() : await ctx.known('sprint');
    let sprints = daily
      ? await readSprints(client, config.boardId, progress)
      : await readSprints(client, config.boardId, progress, 'active,future');
    // A sprint that was open and is no longer listed as open closed (or went): read them all.
    const listed = new Set(sprints.map((s) => s.externalId));
    if (!daily && [...knownSprints].some(([id, k]) => k.state !== 'closed' && !listed.has(id))) {
      sprints = await readSprints(client, config.boardId, progress);
    }
    const complete = daily || sprints.some((s) => s.state === 'closed');
    const ids = new Set(sprints.map((s) => s.externalId));
    for (const sprint of sprints) {
      if (knownSprints.get(sprint.externalId)?.updatedAt !== sprint.data.updatedAt) items.push(sprint);
    }
    if (complete) {
      for (const id of knownSprints.keys()) {
        if (!ids.has(id)) deleted.push({ kind: 'sprint', externalId: id });
      }
    }
  }
  return { items, deleted, complete: ctx.full, cursor: next as Record<string, unknown> };
}

async function readChangelog(client: ExternalClient, key: string): Promise<History[]> {
  const histories: History[] = [];
  for (let startAt = 0; ; ) {
    const page = await client.get<{ values?: History[]; isLast?: boolean; total?: number }>(
      `/rest/api/3/issue/${encodeURIComponent(key)}/changelog?startAt=${startAt}&maxResults=100`,
    );
    const values = page.body?.values ?? [];
    histories.push(...values);
    startAt += values.length;
    if (values.length === 0 || page.body.isLast === true || startAt >= (page.body.total ?? startAt)) break;
  }
  return histories;
}

// Fewer issues upstream than stored (plus the ones new this sync) means some were deleted or
// moved: list every key once, and drop the stored ones that are missing.
async function findDeleted(
  client: ExternalClient,
  config: JiraConfig,
  cloud: boolean,
  api: string,
  known: ReadonlyMap<string, unknown>,
  fetched: readonly JiraIssue[],
): Promise<DeletedItem[]> {
  const jql = `project = ${config.projectKey}`;
  const expected = known.size + fetched.filter((i) => !known.has(i.key)).length;
  const count = cloud
    ? (await client.post<{ count?: number }>(`${api}/search/approximate-count`, { jql })).body?.count
    : (await client.get<{ total?: number }>(`${api}/search?${new URLSearchParams({ jql, maxResults: '0' })}`)).body
        ?.total;
  if (typeof count !== 'number' || count >= expected) return [];
  const keys = new Set<string>();
  let token: string | undefined;
  let startAt = 0;
  for (;;) {
    const params = new URLSearchParams({ jql, fields: 'key', maxResults: cloud ? '5000' : '100' });
    if (cloud && token) params.set('nextPageToken', token);
    if (!cloud) params.set('startAt', String(startAt));
    const page = await client.get<{ issues?: { key: string }[]; nextPageToken?: string; total?: number }>(
      `${api}/${cloud ? 'search/jql' : 'search'}?${params}`,
    );
    const batch = page.body?.issues ?? [];
    for (const issue of batch) keys.add(issue.key);
    if (cloud) {
      token = page.body.nextPageToken;
      if (!token) break;
    } else {
      startAt += batch.length;
      if (batch.length === 0 || startAt >= (page.body.total ?? 0)) break;
    }
  }
  return [...known.keys()].filter((key) => !keys.has(key)).map((key) => ({ kind: 'issue' as const, externalId: key }));
}

async function readSprints(
  client: ExternalClient,
  boardId: number,
  progress: Progress,
  state?: string,
): Promise<WorkItemInput[]> {
  const items: WorkItemInput[] = [];
  for (let startAt = 0; ; ) {
    const page = await client.get<SprintPage>(
      `/rest/agile/1.0/board/${boardId}/sprint?startAt=${startAt}&maxResults=50${state ? `&state=${state}` : ''}`,
    );
    const values = page.body?.values ?? [];
    for (const sprint of values) {
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
        data: { updatedAt: `${sprint.state}|${sprint.completeDate ?? ''}`, endDate: sprint.endDate ?? null },
      });
    }
    if (page.body.isLast !== false || values.length === 0) break;
    startAt += values.length;
  }
  progress('sprints', items.length);
  return items;
}
