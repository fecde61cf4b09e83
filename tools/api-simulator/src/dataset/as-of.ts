/**
 * The data as it stands at an instant: whatever would happen later has not happened yet. A pull
 * request merged tomorrow is open today, a review or deployment status from the future is not
 * there, a sprint that starts later is a future sprint. So a simulator never answers a timestamp
 * after its clock's "now", whatever the generated span (the planned end of the running sprint is
 * the one date ahead of it, as in Jira).
 */
import { compareText } from './people.ts';
import type { JiraIssue, SimulatorData } from './types.ts';

const latest = (times: readonly (string | null)[]): string =>
  times
    .filter((t): t is string => t !== null)
    .sort(compareText)
    .at(-1)!;

/** Cuts `data` back to `now` (epoch ms), in place. */
export function asOf(data: SimulatorData, now: number): void {
  const past = (time: string | null) => time !== null && Date.parse(time) <= now;
  for (const repo of data.github.repos) {
    repo.pullRequests = repo.pullRequests.filter((p) => past(p.created_at));
    const numbers = new Set(repo.pullRequests.map((p) => String(p.number)));
    for (const map of [repo.reviews, repo.commits, repo.sizes]) {
      for (const key of Object.keys(map)) if (!numbers.has(key)) delete map[key];
    }
    for (const pull of repo.pullRequests) {
      const key = String(pull.number);
      repo.reviews[key] = (repo.reviews[key] ?? []).filter((r) => past(r.submitted_at));
      repo.commits[key] = (repo.commits[key] ?? []).filter((c) => past(c.committed_at));
      if (pull.closed_at !== null && !past(pull.closed_at)) {
        Object.assign(pull, { state: 'open', closed_at: null, merged_at: null, merge_commit_sha: null });
      }
      if (!past(pull.updated_at)) {
        pull.updated_at = latest([pull.created_at, pull.closed_at, ...repo.reviews[key]!.map((r) => r.submitted_at)]);
      }
    }
    repo.issues = repo.issues.filter((i) => past(i.created_at));
    for (const issue of repo.issues) {
      if (issue.closed_at !== null && !past(issue.closed_at)) Object.assign(issue, { state: 'open', closed_at: null });
      if (!past(issue.updated_at)) issue.updated_at = latest([issue.created_at, issue.closed_at]);
    }
    repo.deployments = repo.deployments.filter((d) => past(d.created_at));
    const ids = new Set(repo.deployments.map((d) => String(d.id)));
    for (const key of Object.keys(repo.deploymentStatuses)) if (!ids.has(key)) delete repo.deploymentStatuses[key];
    for (const deployment of repo.deployments) {
      const key = String(deployment.id);
      repo.deploymentStatuses[key] = (repo.deploymentStatuses[key] ?? []).filter((s) => past(s.created_at));
      if (!past(deployment.updated_at)) deployment.updated_at = deployment.created_at;
    }
  }
  const jira = data.jira;
  jira.issues = jira.issues.filter((i) => past(i.created));
  for (const issue of jira.issues) cutIssue(issue, past);
  for (const sprint of jira.sprints) {
    // A sprint not started yet has no dates (as Jira shows an unscheduled future sprint).
    if (sprint.startDate !== null && !past(sprint.startDate))
      Object.assign(sprint, { state: 'future', startDate: null, endDate: null, completeDate: null });
    else if (sprint.completeDate !== null && !past(sprint.completeDate))
      Object.assign(sprint, { state: 'active', completeDate: null });
  }
}

function cutIssue(issue: JiraIssue, past: (time: string | null) => boolean): void {
  if (issue.changelog.every((h) => past(h.created)) && past(issue.updated)) return;
  issue.changelog = issue.changelog.filter((h) => past(h.created));
  const last = issue.changelog.at(-1);
  issue.status = last?.to ?? 'To Do';
  issue.resolutiondate = issue.status === 'Done' ? last!.created : null;
  issue.updated = last?.created ?? issue.created;
  if (issue.status === 'To Do') issue.assignee = null;
}
