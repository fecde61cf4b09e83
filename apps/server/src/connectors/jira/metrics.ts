/**
 * Jira's planning metrics (definitions in docs/METRICS.md): issue throughput, cycle and lead time,
 * work in progress, and sprint velocity (the mean of the last three closed sprints' done points).
 */
import { DAY, hoursBetween, median, quantile, round, Timeline } from '../metric-tools.ts';
import type { MetricIndex, MetricItem } from '../types.ts';

/** Indexes a project's items; the result gives the metrics as of any instant and window. */
export function jiraMetrics(items: readonly MetricItem[]): MetricIndex {
  const issues = items.filter((i) => i.kind === 'issue');
  const done = issues.filter((i) => i.state === 'done' && i.finishedAt !== null);
  const started = issues.filter((i) => i.startedAt !== null);
  const pointsBySprint = new Map<string, number>();
  for (const issue of done) {
    if (issue.sprint !== null)
      pointsBySprint.set(issue.sprint, (pointsBySprint.get(issue.sprint) ?? 0) + (issue.storyPoints ?? 0));
  }
  const cycleTimes = new Timeline(
    done
      .filter((i) => i.startedAt !== null)
      .map((i) => ({ at: i.finishedAt!.getTime(), value: hoursBetween(i.startedAt!, i.finishedAt!) })),
  );
  const leadTimes = new Timeline(
    done.map((i) => ({ at: i.finishedAt!.getTime(), value: hoursBetween(i.createdAt, i.finishedAt!) })),
  );
  const startedAt = new Timeline(started.map((i) => ({ at: i.startedAt!.getTime(), value: 1 })));
  const finishedAfterStart = new Timeline(
    started.filter((i) => i.finishedAt !== null).map((i) => ({ at: i.finishedAt!.getTime(), value: 1 })),
  );
  const sprints = new Timeline(
    items
      .filter((i) => i.kind === 'sprint' && i.state === 'closed' && i.finishedAt !== null)
      .map((s) => ({ at: s.finishedAt!.getTime(), value: pointsBySprint.get(s.externalId) ?? 0 })),
  );

  return (at, windowDays) => {
    const start = at - windowDays * DAY;
    const weeks = windowDays / 7;
    const cycle = cycleTimes.slice(start, at);
    const lead = leadTimes.slice(start, at);
    const closedSprints = sprints.countUpTo(at);
    const lastThree = sprints.values.slice(Math.max(0, closedSprints - 3), closedSprints);
    return {
      issueThroughputPerWeek: round(lead.length / weeks),
      cycleTimeHours: round(median(cycle)),
      cycleTimeP85Hours: round(quantile(cycle, 0.85)),
      issueLeadTimeHours: round(median(lead)),
      issueLeadTimeP85Hours: round(quantile(lead, 0.85)),
      sprintVelocity: lastThree.length === 0 ? null : round(lastThree.reduce((a, b) => a + b, 0) / lastThree.length),
      issueWorkInProgress: startedAt.countUpTo(at) - finishedAfterStart.countUpTo(at),
      doneIssues: lead.length,
    };
  };
}
