/**
 * The deployments view: a team's production deployments over a window, newest first, each with the
 * changes it shipped (their lead times) and whether it failed (and the incident that followed).
 * Built from the lists stored with the newest snapshots, so it agrees with the deployment
 * frequency, lead time and change failure rate cards of the same window.
 */
import { DEFAULT_METRIC_WINDOW, type Deployment, type WithDates } from '@agiletrack/domain';
import { and, eq, inArray } from 'drizzle-orm';
import type { AppDb } from '../db/database.ts';
import { integrations, workItems } from '../db/schema.ts';
import { type TeamSample, unionSamples } from '../metrics/samples.ts';
import { DAY, parseRef } from '../metrics/stats.ts';
import { loadSamples } from './metrics-queries.ts';
import { encodeCursor, pageOf } from './page.ts';

/** Which window (default: the default window) and which page. */
export interface DeploymentsQuery {
  windowDays?: number | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** A page of deployments and the change failure rate of the whole window. */
export interface DeploymentsPage {
  deployments: WithDates<Deployment>[];
  windowDays: number;
  from: Date;
  to: Date;
  total: number;
  failed: number;
  changeFailureRate: number | null;
  nextCursor: string | null;
}

type Row = typeof workItems.$inferSelect;

const webLink = (text: unknown): string | null => {
  if (typeof text !== 'string') return null;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
};

/** Lists the team's production deployments of the window (see the file comment). */
export async function listDeployments(
  db: AppDb,
  teamId: number,
  options: DeploymentsQuery,
  now: number,
): Promise<DeploymentsPage> {
  const query = { ...options, windowDays: options.windowDays ?? DEFAULT_METRIC_WINDOW };
  const owned = await db
    .select({ id: integrations.id, config: integrations.config })
    .from(integrations)
    .where(and(eq(integrations.teamId, teamId), eq(integrations.kind, 'github')));
  const stored = await loadSamples(
    db,
    owned.map((i) => i.id),
    query.windowDays,
  );
  const computed = stored.map((s) => s.computedAt.getTime());
  const to = computed.length > 0 ? Math.max(...computed) : now;
  const union = unionSamples(stored);
  const deployments = (union.production_deployments ?? []).sort(
    (a, b) => b.at - a.at || b.integrationId - a.integrationId || (a.ref < b.ref ? 1 : -1),
  );
  const shipped = new Map<string, TeamSample[]>();
  for (const change of union.deployed_changes ?? []) {
    const key = `${change.integrationId}|${change.note}`;
    shipped.set(key, [...(shipped.get(key) ?? []), change]);
  }
  const { after, limit } = pageOf(query);
  const start = after ?? 0;
  const page = deployments.slice(start, start + limit);

  // One query for every row the page names: deployments, the changes they shipped, incidents.
  const wanted = page.flatMap((d) => {
    const id = parseRef(d.ref).externalId;
    const incident = d.note?.startsWith('incident:') ? [d.note.slice('incident:'.length)] : [];
    const changes = (shipped.get(`${d.integrationId}|${id}`) ?? []).map((c) => parseRef(c.ref).externalId);
    return [id, ...incident, ...changes];
  });
  const rows =
    page.length === 0
      ? []
      : await db
          .select()
          .from(workItems)
          .where(
            and(
              inArray(workItems.integrationId, [...new Set(page.map((d) => d.integrationId))]),
              inArray(workItems.externalId, [...new Set(wanted)]),
            ),
          );
  const rowOf = (integrationId: number, kind: string, externalId: string): Row | undefined =>
    rows.find((r) => r.integrationId === integrationId && r.kind === kind && r.externalId === externalId);

  const failed = deployments.filter((d) => d.value === 1).length;
  return {
    deployments: page.map((d): WithDates<Deployment> => {
      const id = parseRef(d.ref).externalId;
      const row = rowOf(d.integrationId, 'deployment', id);
      const incidentId = d.note?.startsWith('incident:') ? d.note.slice('incident:'.length) : null;
      const incident = incidentId === null ? undefined : rowOf(d.integrationId, 'incident', incidentId);
      const sha = typeof row?.data?.sha === 'string' ? row.data.sha : null;
      return {
        integrationId: d.integrationId,
        externalId: id,
        commit: sha === null || sha === '' ? null : sha.slice(0, 7),
        environment: typeof row?.data?.environment === 'string' ? row.data.environment : null,
        state: row?.state ?? 'removed',
        finishedAt: new Date(d.at),
        failed: d.value === 1,
        failure: d.note === null ? null : d.note === 'failed' ? 'failed' : 'incident',
        incident:
          incidentId === null
            ? null
            : { externalId: incidentId, title: incident?.title ?? '', url: webLink(incident?.data?.url) },
        url: webLink(row?.data?.url),
        changes: (shipped.get(`${d.integrationId}|${id}`) ?? []).map((c) => {
          const pr = parseRef(c.ref).externalId;
          const pull = rowOf(d.integrationId, 'pull_request', pr);
          return {
            externalId: pr,
            title: pull?.title ?? '(no longer stored)',
            mergedAt: pull?.finishedAt ?? null,
            leadTimeHours: c.value,
            url: webLink(pull?.data?.url),
          };
        }),
      };
    }),
    windowDays: query.windowDays,
    from: new Date(to - query.windowDays * DAY),
    to: new Date(to),
    total: deployments.length,
    failed,
    changeFailureRate: deployments.length === 0 ? null : Math.round((failed / deployments.length) * 10_000) / 10_000,
    nextCursor: start + limit < deployments.length ? encodeCursor(start + limit) : null,
  };
}
