/**
 * GitHub's delivery metrics (definitions in docs/METRICS.md): the four DORA keys from production
 * deployments, incidents and merged pull requests, the pull-request flow (throughput, time to first
 * review, time to merge, work in progress) and the cycle-time breakdown (coding, pickup, review,
 * deploy) with PR size. Each is a list of samples; the numbers are computed from those lists.
 */
import type { MetricIndex, SampleSets } from './samples.ts';
import { DAY, hoursBetween, type MetricItem, refOf, type Sample, Timeline, upper } from './stats.ts';

/** An incident this soon after a production deployment (and before the next) counts against it. */
export const INCIDENT_ATTRIBUTION_MS = 7 * DAY;

const isProductionDeployment = (i: MetricItem) =>
  i.kind === 'deployment' && i.data?.production !== false && i.finishedAt !== null;

/** Why a production deployment counts as failed: its own status, or the incident that followed it. */
export type Failure = { reason: 'failed' } | { reason: 'incident'; incident: string };

/** The note a failed deployment's sample carries: `failed`, or `incident:<external id>`. */
export const failureNote = (failure: Failure): string =>
  failure.reason === 'failed' ? 'failed' : `incident:${failure.incident}`;

/** The production deployments that count as failures, by external id, with why. */
export function failedDeployments(items: readonly MetricItem[]): Map<string, Failure> {
  const production = items
    .filter(isProductionDeployment)
    .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const failed = new Map<string, Failure>();
  for (const d of production) if (d.state !== 'success') failed.set(d.externalId, { reason: 'failed' });
  const finishes = production.map((d) => d.finishedAt!.getTime());
  const incidents = items
    .filter((i) => i.kind === 'incident')
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  for (const incident of incidents) {
    const opened = incident.createdAt.getTime();
    // The last production deployment before the incident, if it was recent and successful.
    const index = upper(finishes, opened) - 1;
    const culprit = production[index];
    if (
      culprit &&
      culprit.state === 'success' &&
      opened - finishes[index]! <= INCIDENT_ATTRIBUTION_MS &&
      !failed.has(culprit.externalId)
    ) {
      failed.set(culprit.externalId, { reason: 'incident', incident: incident.externalId });
    }
  }
  return failed;
}

/** A change a deployment shipped. */
export interface Shipped {
  readonly pull: MetricItem;
  readonly deployment: MetricItem;
  readonly at: number;
}

/**
 * Which successful production deployment shipped each merged pull request. The base branch is the
 * sequence of merges in merge order, so a deployment ships the merge commit it names and every
 * earlier merge no earlier deployment shipped (a deployment naming no known merge commit ships
 * what was merged before it started). A pull request merged before the first production
 * deployment the integration knows of is not attributed: with partial history, that deployment
 * would collect every older merge.
 */
export function shippedChanges(merged: readonly MetricItem[], production: readonly MetricItem[]): Shipped[] {
  if (production.length === 0) return [];
  const merges = [...merged].sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const mergeTimes = merges.map((p) => p.finishedAt!.getTime());
  const bySha = new Map<string, number>();
  for (const [i, p] of merges.entries()) if (typeof p.data?.mergeCommit === 'string') bySha.set(p.data.mergeCommit, i);
  const firstKnown = Math.min(...production.map((d) => d.createdAt.getTime()));
  const shipping = production
    .filter((d) => d.state === 'success')
    .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const out: Shipped[] = [];
  let shipped = -1;
  for (const d of shipping) {
    const sha = typeof d.data?.sha === 'string' ? d.data.sha : undefined;
    const head = (sha !== undefined ? bySha.get(sha) : undefined) ?? upper(mergeTimes, d.createdAt.getTime()) - 1;
    const at = d.finishedAt!.getTime();
    for (let i = shipped + 1; i <= head; i++) {
      if (mergeTimes[i]! < firstKnown) continue;
      out.push({ pull: merges[i]!, deployment: d, at });
    }
    shipped = Math.max(shipped, head);
  }
  return out;
}

const closedAtOf = (p: MetricItem): number | null => {
  const closed = typeof p.data?.closedAt === 'string' ? Date.parse(p.data.closedAt) : (p.finishedAt?.getTime() ?? NaN);
  return Number.isFinite(closed) ? closed : null;
};

const linesOf = (p: MetricItem): number | null => {
  const { additions, deletions } = p.data ?? {};
  return typeof additions === 'number' && typeof deletions === 'number' ? additions + deletions : null;
};

/** Indexes a repository's items; the result gives the sample sets as of any instant and window. */
export function githubMetrics(items: readonly MetricItem[]): MetricIndex {
  const pulls = items.filter((i) => i.kind === 'pull_request');
  const merged = pulls.filter((p) => p.state === 'merged' && p.finishedAt !== null);
  const production = items.filter(isProductionDeployment);
  const failed = failedDeployments(items);
  const pr = (p: MetricItem) => refOf('pull_request', p.externalId);
  const sample = (ref: string, at: number, value: number, note: string | null = null): Sample => ({
    ref,
    at,
    value,
    note,
  });

  const deployments = production.map((d) => {
    const failure = failed.get(d.externalId);
    return sample(
      refOf('deployment', d.externalId),
      d.finishedAt!.getTime(),
      failure ? 1 : 0,
      failure ? failureNote(failure) : null,
    );
  });
  const successes = production
    .filter((d) => d.state === 'success')
    .map((d) => d.finishedAt!.getTime())
    .sort((a, b) => a - b);
  const restores: Sample[] = [];
  for (const d of production) {
    if (d.state === 'success') continue;
    const next = successes[upper(successes, d.finishedAt!.getTime())];
    if (next !== undefined)
      restores.push(sample(refOf('deployment', d.externalId), next, hoursBetween(d.finishedAt!, next)));
  }
  for (const incident of items) {
    if (incident.kind === 'incident' && incident.finishedAt !== null) {
      restores.push(
        sample(
          refOf('incident', incident.externalId),
          incident.finishedAt.getTime(),
          hoursBetween(incident.createdAt, incident.finishedAt),
        ),
      );
    }
  }
  const shipped = shippedChanges(merged, production);
  const reviewedBeforeMerge = merged.filter((p) => p.firstReviewAt !== null && p.firstReviewAt <= p.finishedAt!);
  const mergedAt = (p: MetricItem) => p.finishedAt!.getTime();
  const timelines = {
    successful_deployments: new Timeline(deployments.filter((d) => d.value === 0 || d.note?.startsWith('incident'))),
    production_deployments: new Timeline(deployments),
    failed_deployments: new Timeline(deployments.filter((d) => d.value === 1)),
    deployed_changes: new Timeline(
      shipped.map((s) =>
        sample(pr(s.pull), s.at, hoursBetween(s.pull.startedAt ?? s.pull.createdAt, s.at), s.deployment.externalId),
      ),
    ),
    restores: new Timeline(restores),
    merged_pull_requests: new Timeline(
      merged.map((p) => sample(pr(p), mergedAt(p), hoursBetween(p.createdAt, p.finishedAt!))),
    ),
    reviewed_pull_requests: new Timeline(
      pulls
        .filter((p) => p.firstReviewAt !== null)
        .map((p) => sample(pr(p), p.firstReviewAt!.getTime(), hoursBetween(p.createdAt, p.firstReviewAt!))),
    ),
    // A first commit after the pull request was opened adds no coding time.
    pr_coding: new Timeline(
      merged.map((p) => sample(pr(p), mergedAt(p), Math.max(0, hoursBetween(p.startedAt ?? p.createdAt, p.createdAt)))),
    ),
    pr_pickup: new Timeline(
      reviewedBeforeMerge.map((p) => sample(pr(p), mergedAt(p), hoursBetween(p.createdAt, p.firstReviewAt!))),
    ),
    pr_review: new Timeline(
      reviewedBeforeMerge.map((p) => sample(pr(p), mergedAt(p), hoursBetween(p.firstReviewAt!, p.finishedAt!))),
    ),
    pr_deploy: new Timeline(
      shipped.map((s) =>
        sample(pr(s.pull), s.at, Math.max(0, hoursBetween(s.pull.finishedAt!, s.at)), s.deployment.externalId),
      ),
    ),
    pr_size: new Timeline(
      merged.flatMap((p) => {
        const lines = linesOf(p);
        return lines === null ? [] : [sample(pr(p), mergedAt(p), lines)];
      }),
    ),
  };
  // Open at an instant: opened by then and not closed (merged or closed) by then; drafts do not count.
  const open = pulls
    .filter((p) => p.data?.draft !== true)
    .map((p) => ({ ref: pr(p), opened: p.createdAt.getTime(), closed: closedAtOf(p) }))
    .sort((a, b) => a.opened - b.opened);
  const openedTimes = open.map((p) => p.opened);
  // Opened and closed by an instant ⇔ max(opened, closed) ≤ it: the count needs two searches.
  const goneTimes = open
    .flatMap((p) => (p.closed === null ? [] : [Math.max(p.opened, p.closed)]))
    .sort((a, b) => a - b);

  return (at, windowDays) => {
    const start = at - windowDays * DAY;
    const sets: SampleSets = {};
    for (const [drill, timeline] of Object.entries(timelines))
      sets[drill as keyof typeof timelines] = timeline.window(start, at);
    const count = upper(openedTimes, at) - upper(goneTimes, at);
    sets.open_pull_requests = {
      values: new Array<number>(count).fill(1),
      rows: () =>
        open
          .slice(0, upper(openedTimes, at))
          .filter((p) => p.closed === null || p.closed > at)
          .map((p) => sample(p.ref, p.opened, 1)),
    };
    return sets;
  };
}
