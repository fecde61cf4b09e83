/**
 * Jira's planning metrics (definitions in docs/METRICS.md): issue throughput, cycle and lead time,
 * work in progress, and sprint velocity (the mean of the last three closed sprints' done points).
 * Each is a list of samples; the numbers are computed from those lists.
 */
import { roundTo } from '@agiletrack/domain';
import type { MetricIndex, SampleSets } from './samples.ts';
import { DAY, hoursBetween, type MetricItem, refOf, type Sample, Timeline, upper } from './stats.ts';

/** How many closed sprints the velocity averages. */
export const VELOCITY_SPRINTS = 3;

/** Indexes a project's items; the result gives the sample sets as of any instant and window. */
export function jiraMetrics(items: readonly MetricItem[]): MetricIndex {
  const issues = items.filter((i) => i.kind === 'issue');
  const done = issues.filter((i) => i.state === 'done' && i.finishedAt !== null);
  const ref = (i: MetricItem) => refOf('issue', i.externalId);
  const sample = (r: string, at: number, value: number, note: string | null = null): Sample => ({
    ref: r,
    at,
    value,
    note,
  });
  const leadTimes = new Timeline(
    done.map((i) => sample(ref(i), i.finishedAt!.getTime(), hoursBetween(i.createdAt, i.finishedAt!))),
  );
  const cycleTimes = new Timeline(
    done
      .filter((i) => i.startedAt !== null)
      .map((i) => sample(ref(i), i.finishedAt!.getTime(), hoursBetween(i.startedAt!, i.finishedAt!))),
  );
  const started = issues
    .filter((i) => i.startedAt !== null)
    .map((i) => ({ ref: ref(i), started: i.startedAt!.getTime(), finished: i.finishedAt?.getTime() ?? null }))
    .sort((a, b) => a.started - b.started);
  const startedTimes = started.map((i) => i.started);
  const stoppedTimes = started
    .flatMap((i) => (i.finished === null ? [] : [Math.max(i.started, i.finished)]))
    .sort((a, b) => a - b);
  const sprints = items
    .filter((i) => i.kind === 'sprint' && i.state === 'closed' && i.finishedAt !== null)
    .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const sprintEnds = sprints.map((s) => s.finishedAt!.getTime());
  const doneBySprint = new Map<string, MetricItem[]>();
  for (const issue of done) {
    if (issue.sprint !== null) doneBySprint.set(issue.sprint, [...(doneBySprint.get(issue.sprint) ?? []), issue]);
  }

  return (at, windowDays) => {
    const start = at - windowDays * DAY;
    const inProgress = () =>
      started
        .slice(0, upper(startedTimes, at))
        .filter((i) => i.finished === null || i.finished > at)
        .map((i) => sample(i.ref, i.started, 1));
    // Velocity: each done issue of the last closed sprints adds its points ÷ the number of sprints.
    const closed = upper(sprintEnds, at);
    const last = sprints.slice(Math.max(0, closed - VELOCITY_SPRINTS), closed);
    const counted = last.map((s) => ({
      sprint: s.externalId,
      issues: (doneBySprint.get(s.externalId) ?? []).filter((i) => i.finishedAt!.getTime() <= at),
    }));
    const share = (i: MetricItem) => roundTo((i.storyPoints ?? 0) / last.length, 4);
    // Rows only when a list is asked for: the daily history needs the values alone.
    const sprintRows = () =>
      counted.flatMap(({ sprint, issues }) =>
        issues.map((i) => sample(ref(i), i.finishedAt!.getTime(), share(i), sprint)),
      );
    const sets: SampleSets = {
      done_issues: leadTimes.window(start, at),
      cycle_issues: cycleTimes.window(start, at),
      issues_in_progress: {
        values: new Array<number>(upper(startedTimes, at) - upper(stoppedTimes, at)).fill(1),
        rows: inProgress,
      },
      sprint_issues: { values: counted.flatMap(({ issues }) => issues.map(share)), rows: sprintRows },
    };
    return sets;
  };
}
