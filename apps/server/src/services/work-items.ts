/**
 * The work items behind a number (the drill-down): for a metric and a time range, the pull
 * requests, issues, deployments or incidents of a team's integrations that the metric counts,
 * newest first, a page at a time (keyset pagination on the time and the row id), each linked to
 * its source. One indexed query per page; nothing is cached.
 */
import { METRICS, type MetricName } from '@agiletrack/domain';
import { and, desc, eq, gte, inArray, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import { failedDeployments, INCIDENT_ATTRIBUTION_MS } from '../connectors/github/metrics.ts';
import type { AppDb } from '../db/database.ts';
import { integrations, workItems } from '../db/schema.ts';
import { decodeTimeCursor, encodeTimeCursor } from './page.ts';
import type { WorkItemView } from './views.ts';

/** One page of work items. */
export interface WorkItemsPage {
  items: WorkItemView[];
  nextCursor: string | null;
}

type Row = typeof workItems.$inferSelect;
type Integration = { id: number; kind: 'github' | 'jira'; config: Record<string, unknown> };

const HOUR = 3_600_000;

// Links come from upstream data: only http(s) addresses are served (never `javascript:` or `data:`).
function webLink(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

function urlOf(row: Row, integration: Integration): string | null {
  const link = builtUrlOf(row, integration);
  return link === null ? null : webLink(link);
}

function builtUrlOf(row: Row, integration: Integration): string | null {
  const data = row.data ?? {};
  if (typeof data.url === 'string') return data.url;
  const config = integration.config;
  if (row.kind === 'issue' && typeof config.baseUrl === 'string') {
    return `${config.baseUrl.replace(/\/$/, '')}/browse/${encodeURIComponent(row.externalId)}`;
  }
  if (row.kind === 'deployment' && typeof data.sha === 'string' && data.sha !== '') {
    return `https://github.com/${String(config.owner)}/${String(config.repo)}/commit/${data.sha}`;
  }
  return null;
}

function hoursOf(row: Row, metric: MetricName): number | null {
  const span = (from: Date | null, to: Date | null) =>
    from && to ? Math.round(((to.getTime() - from.getTime()) / HOUR) * 100) / 100 : null;
  switch (METRICS[metric].drill) {
    case 'reviewed_pull_requests':
      return span(row.createdAt, row.firstReviewAt);
    case 'done_issues':
      return metric.startsWith('cycleTime') ? span(row.startedAt, row.finishedAt) : span(row.createdAt, row.finishedAt);
    case 'merged_pull_requests':
    case 'deployed_changes':
    case 'restores':
      return span(row.createdAt, row.finishedAt);
    default:
      return null;
  }
}

/** Lists the items behind `metric` for the team's integrations between `from` and `to`. */
export async function listWorkItems(
  db: AppDb,
  teamId: number,
  query: { metric: MetricName; from: Date; to: Date; cursor?: string | undefined; limit: number },
): Promise<WorkItemsPage> {
  const definition = METRICS[query.metric];
  const owned = (await db
    .select({ id: integrations.id, kind: integrations.kind, config: integrations.config })
    .from(integrations)
    .where(and(eq(integrations.teamId, teamId), eq(integrations.kind, definition.source)))) as Integration[];
  if (owned.length === 0) return { items: [], nextCursor: null };
  const byId = new Map(owned.map((i) => [i.id, i]));
  const ids = owned.map((i) => i.id);
  const within = (column: typeof workItems.finishedAt) => and(gte(column, query.from), lte(column, query.to));

  // Which rows, and the time they are ordered (and paged) by.
  let field: 'finishedAt' | 'firstReviewAt' | 'createdAt' = 'finishedAt';
  const time = () => workItems[field] as unknown as typeof workItems.finishedAt;
  let where: ReturnType<typeof and>;
  let failures: Map<string, 'failed' | 'incident'> | undefined;
  switch (definition.drill) {
    case 'production_deployments':
    case 'failed_deployments': {
      where = and(eq(workItems.kind, 'deployment'), sql`${workItems.data}->>'production' = 'true'`, within(time()));
      // Failures need the incidents that follow a deployment: read both for the range.
      const rows = await db
        .select()
        .from(workItems)
        .where(
          and(
            inArray(workItems.integrationId, ids),
            or(
              and(eq(workItems.kind, 'deployment'), within(workItems.finishedAt)),
              and(
                eq(workItems.kind, 'incident'),
                gte(workItems.createdAt, query.from),
                lte(workItems.createdAt, new Date(query.to.getTime() + INCIDENT_ATTRIBUTION_MS)),
              ),
            ),
          ),
        );
      failures = failedDeployments(rows);
      if (definition.drill === 'failed_deployments') {
        const failedIds = [...failures.keys()];
        if (failedIds.length === 0) return { items: [], nextCursor: null };
        where = and(where, inArray(workItems.externalId, failedIds));
      }
      break;
    }
    case 'restores':
      where = or(
        and(eq(workItems.kind, 'incident'), within(time())),
        and(
          eq(workItems.kind, 'deployment'),
          sql`${workItems.data}->>'production' = 'true'`,
          sql`${workItems.state} <> 'success'`,
          within(time()),
        ),
      );
      break;
    case 'merged_pull_requests':
    case 'deployed_changes':
      where = and(eq(workItems.kind, 'pull_request'), eq(workItems.state, 'merged'), within(time()));
      break;
    case 'reviewed_pull_requests':
      field = 'firstReviewAt';
      where = and(eq(workItems.kind, 'pull_request'), within(time()));
      break;
    case 'open_pull_requests':
      field = 'createdAt';
      where = and(eq(workItems.kind, 'pull_request'), eq(workItems.state, 'open'));
      break;
    case 'done_issues':
      where = and(eq(workItems.kind, 'issue'), eq(workItems.state, 'done'), within(time()));
      break;
    case 'sprint_issues':
      where = and(
        eq(workItems.kind, 'issue'),
        eq(workItems.state, 'done'),
        isNotNull(workItems.sprint),
        within(time()),
      );
      break;
    case 'issues_in_progress':
      field = 'createdAt';
      where = and(eq(workItems.kind, 'issue'), eq(workItems.state, 'in_progress'));
      break;
  }
  const after = query.cursor === undefined ? undefined : decodeTimeCursor(query.cursor);
  const rows = await db
    .select()
    .from(workItems)
    .where(
      and(
        inArray(workItems.integrationId, ids),
        where,
        isNotNull(time()),
        after === undefined
          ? undefined
          : or(lt(time(), after.at), and(eq(time(), after.at), lt(workItems.id, after.id))),
      ),
    )
    .orderBy(desc(time()), desc(workItems.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const lastTime = last === undefined ? null : last[field];
  return {
    items: page.map((row) => ({
      integrationId: row.integrationId,
      kind: row.kind,
      externalId: row.externalId,
      title: row.title,
      state: row.state,
      createdAt: row.createdAt,
      finishedAt: row.finishedAt,
      hours: hoursOf(row, query.metric),
      failure: row.kind === 'deployment' ? (failures?.get(row.externalId) ?? null) : null,
      url: urlOf(row, byId.get(row.integrationId)!),
    })),
    nextCursor: rows.length > query.limit && last && lastTime ? encodeTimeCursor(lastTime, last.id) : null,
  };
}
