/**
 * GitHub over REST v3, the per-integration fallback of the GraphQL reader (api.github.com or the
 * simulator), incremental:
 * - pull requests sorted by `updated` descending, read until the last sync's high-water mark
 *   (a `304` on the first page means nothing changed at all); every page of each changed pull
 *   request's reviews, the pull request itself (its size) and its first commit;
 * - deployments newest first down to the mark, with every page of their statuses, plus the
 *   statuses of deployments still in progress; a stored deployment missing from the pages read
 *   was deleted;
 * - incidents: issues labelled `incident` updated since the mark.
 * Every GET is conditional (the client stores ETags), so an unchanged page is a free `304`.
 */
import type { ExternalClient } from '../http-client.ts';
import type { DeletedItem, FetchResult, KnownItem, Progress, SyncContext, WorkItemInput } from '../types.ts';
import {
  type Deployment,
  type DeploymentStatus,
  deploymentItem,
  FINAL_DEPLOYMENT_STATES,
  type GithubConfig,
  type Issue,
  incidentItem,
  isProduction,
  later,
  type PullRequest,
  pullItem,
  type Review,
} from './items.ts';

/** The URL of the `rel="next"` page, if any. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}

/** Reads pages until `onPage` says stop or the last page; returns whether the first page was a 304. */
async function readPages<T>(
  client: ExternalClient,
  first: string,
  onPage: (items: T[], notModified: boolean) => 'continue' | 'stop',
): Promise<{ firstUnchanged: boolean }> {
  let url: string | undefined = first;
  let firstUnchanged = false;
  for (let page = 1; url; page++) {
    const response = await client.get<T[]>(url);
    if (!Array.isArray(response.body)) throw new Error(`${url}: expected a JSON array`);
    if (page === 1) firstUnchanged = !response.changed;
    if (onPage(response.body, !response.changed) === 'stop') break;
    url = nextLink(response.headers.get('link'));
  }
  return { firstUnchanged };
}

/** Every page of a list. */
async function readAll<T>(client: ExternalClient, first: string): Promise<T[]> {
  const items: T[] = [];
  await readPages<T>(client, first, (page) => {
    items.push(...page);
    return 'continue';
  });
  return items;
}

/** Fetches what changed in one repository since the cursor (everything when `ctx.full`). */
export async function fetchGithub(
  client: ExternalClient,
  config: GithubConfig,
  ctx: SyncContext,
  progress: Progress,
): Promise<FetchResult> {
  const repo = `/repos/${encodeURIComponent(config.owner)}/${encodeURIComponent(config.repo)}`;
  const cursor = ctx.full ? {} : ((ctx.cursor ?? {}) as { pulls?: string; deployments?: string; incidents?: string });
  const items: WorkItemInput[] = [];
  const deleted: DeletedItem[] = [];
  const untracked = 'untracked';
  const next = { ...cursor };

  // Pull requests changed since the mark, newest change first.
  const knownPulls: ReadonlyMap<string, KnownItem> = ctx.full ? new Map() : await ctx.known('pull_request');
  const changedPulls: PullRequest[] = [];
  await readPages<PullRequest>(
    client,
    `${repo}/pulls?state=all&sort=updated&direction=desc&per_page=100`,
    (page, same) => {
      // An unchanged first page: no pull request changed since it was last read.
      if (same && changedPulls.length === 0 && cursor.pulls !== undefined) return 'stop';
      for (const pr of page) {
        next.pulls = later(next.pulls, pr.updated_at);
        if (cursor.pulls !== undefined && pr.updated_at < cursor.pulls) return 'stop';
        if (knownPulls.get(String(pr.number))?.updatedAt === pr.updated_at) continue;
        changedPulls.push(pr);
      }
      progress('pull requests', changedPulls.length);
      return 'continue';
    },
  );
  for (const [index, pr] of changedPulls.entries()) {
    const reviews = await readAll<Review>(client, `${repo}/pulls/${pr.number}/reviews?per_page=100`);
    // The listing lacks the size; the first commit (commits are listed oldest first) is when coding started.
    const full = (
      await client.get<PullRequest & { additions?: number; deletions?: number; changed_files?: number }>(
        `${repo}/pulls/${pr.number}`,
      )
    ).body;
    const commits = (
      await client.get<{ commit?: { author?: { date?: string } } }[]>(`${repo}/pulls/${pr.number}/commits?per_page=1`)
    ).body;
    items.push(
      pullItem(full, reviews, {
        firstCommitAt: commits[0]?.commit?.author?.date ?? null,
        additions: full.additions ?? 0,
        deletions: full.deletions ?? 0,
        changedFiles: full.changed_files ?? 0,
      }),
    );
    progress('reviews', index + 1, changedPulls.length);
  }

  // Deployments newest first, down to the mark; a stored one missing from what was read is gone.
  const knownDeployments: ReadonlyMap<string, KnownItem> = ctx.full ? new Map() : await ctx.known('deployment');
  const seen = new Set<string>();
  const fetchStatuses: Deployment[] = [];
  let oldestRead: string | undefined;
  let firstPageUnchanged = false;
  await readPages<Deployment>(client, `${repo}/deployments?per_page=100`, (page, same) => {
    if (same && seen.size === 0 && cursor.deployments !== undefined) {
      firstPageUnchanged = true;
      return 'stop';
    }
    for (const deployment of page) {
      const id = String(deployment.id);
      seen.add(id);
      oldestRead = deployment.created_at;
      next.deployments = later(next.deployments, deployment.created_at);
      const known = knownDeployments.get(id);
      const settled = known !== undefined && FINAL_DEPLOYMENT_STATES.has(known.state);
      const updated = known?.updatedAt !== (deployment.updated_at ?? deployment.created_at);
      if (!isProduction(deployment.environment, config)) {
        // Only production deployments are measured: others are stored without their statuses.
        if (known === undefined || updated) items.push(deploymentItem(deployment, [], false));
      } else if (!settled || updated) fetchStatuses.push(deployment);
      if (cursor.deployments !== undefined && deployment.created_at < cursor.deployments) return 'stop';
    }
    progress('deployments', seen.size);
    return 'continue';
  });
  if (!ctx.full) {
    for (const [id, known] of knownDeployments) {
      const inRange = oldestRead !== undefined && known.createdAt.getTime() >= Date.parse(oldestRead);
      if (!firstPageUnchanged && inRange && !seen.has(id)) deleted.push({ kind: 'deployment', externalId: id });
    }
  }
  // Deployments still running when last read get their statuses again (a 304 when nothing moved).
  const pending = ctx.full
    ? []
    : [...knownDeployments].filter(
        ([id, known]) => !seen.has(id) && known.state !== untracked && !FINAL_DEPLOYMENT_STATES.has(known.state),
      );
  const statusTargets: { id: string; deployment: Deployment | undefined }[] = [
    ...fetchStatuses.map((d) => ({ id: String(d.id), deployment: d as Deployment | undefined })),
    ...pending.map(([id]) => ({ id, deployment: undefined })),
  ];
  for (const [index, target] of statusTargets.entries()) {
    const statuses = await readAll<DeploymentStatus>(client, `${repo}/deployments/${target.id}/statuses?per_page=100`);
    const deployment = target.deployment ?? (await client.get<Deployment>(`${repo}/deployments/${target.id}`)).body;
    items.push(deploymentItem(deployment, statuses, isProduction(deployment.environment, config)));
    progress('deployment statuses', index + 1, statusTargets.length);
  }

  // Incidents updated since the mark.
  const label = encodeURIComponent(config.incidentLabel ?? 'incident');
  const since = cursor.incidents === undefined ? '' : `&since=${encodeURIComponent(cursor.incidents)}`;
  const knownIncidents: ReadonlyMap<string, KnownItem> = ctx.full ? new Map() : await ctx.known('incident');
  const incidents = await readAll<Issue>(
    client,
    `${repo}/issues?labels=${label}&state=all&sort=updated&direction=desc&per_page=100${since}`,
  );
  for (const issue of incidents) {
    if (issue.pull_request !== undefined) continue;
    next.incidents = later(next.incidents, issue.updated_at);
    if (knownIncidents.get(String(issue.number))?.updatedAt === issue.updated_at) continue;
    items.push(incidentItem(issue));
  }
  progress('incidents', incidents.length);

  return { items, deleted, complete: ctx.full, cursor: next };
}
