/**
 * The work items behind a number (the drill-down): for a metric, exactly the items its number was
 * computed from, each with the value it contributed, newest first, a page at a time. Without a
 * time range, the list is the samples stored with the newest snapshots of the team's integrations
 * for the window, so it always matches the card; with one, the samples are computed from the
 * stored items for that span. The number is recomputed from the whole list and answered with it.
 */
import { DEFAULT_METRIC_WINDOW, METRICS, type MetricName, type MetricStatistic } from '@agiletrack/domain';
import { and, eq, inArray } from 'drizzle-orm';
import { connectorFor } from '../connectors/registry.ts';
import type { AppDb } from '../db/database.ts';
import { integrations, workItems } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { metricValueOf, type TeamSample, unionSamples } from '../metrics/samples.ts';
import { DAY, parseRef } from '../metrics/stats.ts';
import { loadSamples, metricItemsOf } from './metrics-queries.ts';
import { encodeCursor, pageOf } from './page.ts';
import type { WorkItemView } from './views.ts';

/** One page of a drill-down, with the number its whole list gives. */
export interface DrillDown {
  items: WorkItemView[];
  statistic: MetricStatistic;
  value: number | null;
  count: number;
  sum: number;
  windowDays: number;
  from: Date;
  to: Date;
  nextCursor: string | null;
}

/** What a drill-down asks for: a window of the newest snapshots (default), or a span. */
export interface DrillQuery {
  metric: MetricName;
  windowDays?: number | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}

type Row = typeof workItems.$inferSelect;

const ROW_CHUNK = 5_000;
type Integration = { id: number; kind: 'github' | 'jira'; config: Record<string, unknown> };

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
  const data = row.data ?? {};
  const config = integration.config;
  let link: string | null = null;
  if (typeof data.url === 'string') link = data.url;
  else if (row.kind === 'issue' && typeof config.baseUrl === 'string') {
    link = `${config.baseUrl.replace(/\/$/, '')}/browse/${encodeURIComponent(row.externalId)}`;
  } else if (row.kind === 'deployment' && typeof data.sha === 'string' && data.sha !== '') {
    link = `https://github.com/${String(config.owner)}/${String(config.repo)}/commit/${data.sha}`;
  }
  return link === null ? null : webLink(link);
}

/** Every sample behind `metric` for the team's integrations of its source, newest first. */
async function samplesOf(
  db: AppDb,
  owned: readonly Integration[],
  query: DrillQuery,
  now: number,
): Promise<{ samples: TeamSample[]; from: Date; to: Date; windowDays: number }> {
  const drill = METRICS[query.metric].drill;
  const window = query.windowDays ?? DEFAULT_METRIC_WINDOW;
  if (query.from === undefined && query.to === undefined) {
    const stored = await loadSamples(
      db,
      owned.map((i) => i.id),
      window,
    );
    const computed = stored.map((s) => s.computedAt.getTime());
    const to = computed.length > 0 ? Math.max(...computed) : now;
    const samples = unionSamples(stored)[drill] ?? [];
    return { samples, from: new Date(to - window * DAY), to: new Date(to), windowDays: window };
  }
  const to = query.to ?? new Date(now);
  const from = query.from ?? new Date(to.getTime() - window * DAY);
  if (from >= to) throw new AppError('E_VALIDATION', 'from must be before to');
  const windowDays = (to.getTime() - from.getTime()) / DAY;
  const samples: TeamSample[] = [];
  for (const integration of owned) {
    const items = await metricItemsOf(db, integration.id);
    const set = connectorFor(integration.kind).metrics(items)(to.getTime(), windowDays)[drill];
    for (const s of set?.rows() ?? []) samples.push({ ...s, integrationId: integration.id });
  }
  return { samples, from, to, windowDays };
}

/** Lists the items behind `metric` for the team (see the file comment). */
export async function listWorkItems(db: AppDb, teamId: number, query: DrillQuery, now: number): Promise<DrillDown> {
  const definition = METRICS[query.metric];
  const owned = (await db
    .select({ id: integrations.id, kind: integrations.kind, config: integrations.config })
    .from(integrations)
    .where(and(eq(integrations.teamId, teamId), eq(integrations.kind, definition.source)))
    .orderBy(integrations.id)) as Integration[];
  const { samples, from, to, windowDays } = await samplesOf(db, owned, query, now);
  samples.sort(
    (a, b) => b.at - a.at || b.integrationId - a.integrationId || (a.ref < b.ref ? 1 : a.ref > b.ref ? -1 : 0),
  );
  const value = metricValueOf(
    query.metric,
    samples.map((s) => s.value),
    windowDays,
  );
  // The cursor is the position in this list (1-based), opaque to clients.
  const { after, limit } = pageOf({ cursor: query.cursor, limit: query.limit });
  const start = after ?? 0;
  const page = samples.slice(start, start + limit);
  const refs = page.map((s) => ({ ...s, ...parseRef(s.ref) }));
  // A page is one query; a whole list (CSV) reads in chunks the database's parameter limit allows.
  const externalIds = [...new Set(refs.map((r) => r.externalId))];
  const rows: Row[] = [];
  for (let i = 0; i < externalIds.length; i += ROW_CHUNK) {
    rows.push(
      ...(await db
        .select()
        .from(workItems)
        .where(
          and(
            inArray(workItems.integrationId, [...new Set(refs.map((r) => r.integrationId))]),
            inArray(workItems.externalId, externalIds.slice(i, i + ROW_CHUNK)),
          ),
        )),
    );
  }
  const byRef = new Map(rows.map((r) => [`${r.integrationId}|${r.kind}|${r.externalId}`, r]));
  const byId = new Map(owned.map((i) => [i.id, i]));
  const hours = definition.unit === 'hours';
  const items = refs.map((s): WorkItemView => {
    const row = byRef.get(`${s.integrationId}|${s.kind}|${s.externalId}`);
    const failed = s.kind === 'deployment' && s.note !== null;
    const shipped = definition.drill === 'deployed_changes' || definition.drill === 'pr_deploy';
    return {
      integrationId: s.integrationId,
      kind: s.kind as WorkItemView['kind'],
      externalId: s.externalId,
      // An item deleted upstream since the snapshot is still listed: the number counted it.
      title: row?.title ?? '(no longer stored)',
      state: row?.state ?? 'removed',
      createdAt: row?.createdAt ?? new Date(s.at),
      finishedAt: row?.finishedAt ?? null,
      at: new Date(s.at),
      value: s.value,
      hours: hours ? s.value : null,
      failure: failed ? (s.note === 'failed' ? 'failed' : 'incident') : null,
      incident: failed && s.note!.startsWith('incident:') ? s.note!.slice('incident:'.length) : null,
      shippedBy: shipped ? s.note : null,
      sprint: definition.drill === 'sprint_issues' ? s.note : null,
      url: row ? urlOf(row, byId.get(s.integrationId)!) : null,
    };
  });
  const next = start + limit;
  return {
    items,
    statistic: definition.statistic,
    value,
    count: samples.length,
    sum: Math.round(samples.reduce((total, s) => total + s.value, 0) * 100) / 100,
    windowDays,
    from,
    to,
    nextCursor: next < samples.length ? encodeCursor(next) : null,
  };
}
