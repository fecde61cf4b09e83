/**
 * GitHub's delivery metrics (definitions in docs/METRICS.md): the four DORA keys from production
 * deployments, incidents and merged pull requests, and the pull-request flow (throughput, time to
 * first review, time to merge, work in progress).
 */
import { DAY, hoursBetween, median, quantile, round, Timeline, upper } from '../metric-tools.ts';
import type { MetricIndex, MetricItem } from '../types.ts';

/** An incident this soon after a production deployment (and before the next) counts against it. */
export const INCIDENT_ATTRIBUTION_MS = 7 * DAY;

const isProductionDeployment = (i: MetricItem) =>
  i.kind === 'deployment' && i.data?.production !== false && i.finishedAt !== null;

/** The production deployments that count as failures, by external id, with why. */
export function failedDeployments(items: readonly MetricItem[]): Map<string, 'failed' | 'incident'> {
  const production = items
    .filter(isProductionDeployment)
    .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const failed = new Map<string, 'failed' | 'incident'>();
  for (const d of production) if (d.state !== 'success') failed.set(d.externalId, 'failed');
  const finishes = production.map((d) => d.finishedAt!.getTime());
  for (const incident of items) {
    if (incident.kind !== 'incident') continue;
    const opened = incident.createdAt.getTime();
    // The last production deployment before the incident, if it was recent and successful.
    const index = upper(finishes, opened) - 1;
    const culprit = production[index];
    if (culprit && culprit.state === 'success' && opened - finishes[index]! <= INCIDENT_ATTRIBUTION_MS) {
      failed.set(culprit.externalId, 'incident');
    }
  }
  return failed;
}

/**
 * Lead time for changes: from a pull request's first commit to the successful production
 * deployment that shipped its merge commit. The base branch is the sequence of merges in merge
 * order, so a deployment ships the merge commit it names and every earlier merge no earlier
 * deployment shipped (a deployment naming no known merge commit ships what was merged before it
 * started). A pull request merged before the first production deployment the integration knows
 * of is not attributed: with partial history, that deployment would collect every older merge.
 */
export function leadTimes(
  merged: readonly MetricItem[],
  production: readonly MetricItem[],
): { at: number; value: number }[] {
  if (production.length === 0) return [];
  const merges = [...merged].sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const mergeTimes = merges.map((p) => p.finishedAt!.getTime());
  const bySha = new Map<string, number>();
  for (const [i, p] of merges.entries()) if (typeof p.data?.mergeCommit === 'string') bySha.set(p.data.mergeCommit, i);
  const firstKnown = Math.min(...production.map((d) => d.createdAt.getTime()));
  const shipping = production
    .filter((d) => d.state === 'success')
    .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const points: { at: number; value: number }[] = [];
  let shipped = -1;
  for (const d of shipping) {
    const sha = typeof d.data?.sha === 'string' ? d.data.sha : undefined;
    const head = (sha !== undefined ? bySha.get(sha) : undefined) ?? upper(mergeTimes, d.createdAt.getTime()) - 1;
    const at = d.finishedAt!.getTime();
    for (let i = shipped + 1; i <= head; i++) {
      const pull = merges[i]!;
      if (mergeTimes[i]! < firstKnown) continue;
      points.push({ at, value: hoursBetween(pull.startedAt ?? pull.createdAt, at) });
    }
    shipped = Math.max(shipped, head);
  }
  return points;
}

/** Indexes a repository's items; the result gives the metrics as of any instant and window. */
export function githubMetrics(items: readonly MetricItem[]): MetricIndex {
  const pulls = items.filter((i) => i.kind === 'pull_request');
  const merged = pulls.filter((p) => p.state === 'merged' && p.finishedAt !== null);
  const production = items.filter(isProductionDeployment);
  const successes = production
    .filter((d) => d.state === 'success')
    .map((d) => d.finishedAt!.getTime())
    .sort((a, b) => a - b);
  const failed = failedDeployments(items);
  const restorePoints: { at: number; value: number }[] = [];
  for (const d of production) {
    if (d.state === 'success') continue;
    const next = successes[upper(successes, d.finishedAt!.getTime())];
    if (next !== undefined) restorePoints.push({ at: next, value: hoursBetween(d.finishedAt!, next) });
  }
  for (const incident of items) {
    if (incident.kind === 'incident' && incident.finishedAt !== null) {
      restorePoints.push({
        at: incident.finishedAt.getTime(),
        value: hoursBetween(incident.createdAt, incident.finishedAt),
      });
    }
  }
  const open = pulls.filter((p) => p.data?.draft !== true);
  const mergeTimes = new Timeline(
    merged.map((p) => ({ at: p.finishedAt!.getTime(), value: hoursBetween(p.createdAt, p.finishedAt!) })),
  );
  const reviewTimes = new Timeline(
    pulls
      .filter((p) => p.firstReviewAt !== null)
      .map((p) => ({ at: p.firstReviewAt!.getTime(), value: hoursBetween(p.createdAt, p.firstReviewAt!) })),
  );
  const leadTimeline = new Timeline(leadTimes(merged, production));
  // 0 succeeded, 1 failed (its own status), 2 succeeded but an incident followed.
  const deploymentTimeline = new Timeline(
    production.map((d) => ({
      at: d.finishedAt!.getTime(),
      value: d.state !== 'success' ? 1 : failed.has(d.externalId) ? 2 : 0,
    })),
  );
  const restoreTimeline = new Timeline(restorePoints);
  const opened = new Timeline(open.map((p) => ({ at: p.createdAt.getTime(), value: 1 })));
  const closed = new Timeline(
    open.flatMap((p) => {
      const closedAt =
        typeof p.data?.closedAt === 'string' ? Date.parse(p.data.closedAt) : (p.finishedAt?.getTime() ?? NaN);
      return Number.isFinite(closedAt) ? [{ at: closedAt, value: 1 }] : [];
    }),
  );

  return (at, windowDays) => {
    const start = at - windowDays * DAY;
    const weeks = windowDays / 7;
    const merges = mergeTimes.slice(start, at);
    const reviews = reviewTimes.slice(start, at);
    const leadTimes = leadTimeline.slice(start, at);
    const deployments = deploymentTimeline.slice(start, at);
    const restores = restoreTimeline.slice(start, at);
    const failures = deployments.filter((v) => v !== 0).length;
    const succeeded = deployments.filter((v) => v !== 1).length;
    return {
      deploymentsPerWeek: round(succeeded / weeks),
      leadTimeHours: round(median(leadTimes)),
      leadTimeP85Hours: round(quantile(leadTimes, 0.85)),
      changeFailureRate: deployments.length === 0 ? null : round(failures / deployments.length, 4),
      timeToRestoreHours: round(median(restores)),
      timeToRestoreP85Hours: round(quantile(restores, 0.85)),
      prThroughputPerWeek: round(merges.length / weeks),
      prReviewTimeHours: round(median(reviews)),
      prReviewTimeP85Hours: round(quantile(reviews, 0.85)),
      prMergeTimeHours: round(median(merges)),
      prMergeTimeP85Hours: round(quantile(merges, 0.85)),
      prWorkInProgress: opened.countUpTo(at) - closed.countUpTo(at),
      deployments: deployments.length,
      failedDeployments: failures,
      deployedChanges: leadTimes.length,
      restores: restores.length,
      mergedPullRequests: merges.length,
      reviewedPullRequests: reviews.length,
    };
  };
}
