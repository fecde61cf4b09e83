/**
 * Upstream activity on demand: open, review or merge a pull request, deploy, open or close an
 * incident, move a Jira issue. Each change happens at the simulator's "now" and yields the webhook
 * GitHub or Jira would send about it (event name and payload), for `webhooks.ts` to deliver.
 */
import { z } from 'zod';
import type { Dataset } from './dataset/dataset.ts';
import { githubTime, isoTime } from './dataset/people.ts';
import type { GitHubRepo } from './dataset/types.ts';
import { formatIssue, type JiraLook, parseFields } from './jira/format.ts';

const repoFields = { owner: z.string().min(1), repo: z.string().min(1) };

/** A change to make, as a test or the admin API writes it. */
export const simEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('open'), ...repoFields, title: z.string().optional(), user: z.string().optional() }),
  z.object({
    type: z.literal('review'),
    ...repoFields,
    number: z.number().int().positive(),
    state: z.enum(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED']).default('APPROVED'),
    user: z.string().default('bob'),
  }),
  z.object({ type: z.literal('merge'), ...repoFields, number: z.number().int().positive() }),
  z.object({
    type: z.literal('deploy'),
    ...repoFields,
    environment: z.string().default('production'),
    state: z.enum(['success', 'failure', 'error']).default('success'),
  }),
  z.object({ type: z.literal('incident'), ...repoFields, close: z.number().int().positive().optional() }),
  z.object({
    type: z.literal('jira-transition'),
    key: z.string().min(1),
    to: z.enum(['To Do', 'In Progress', 'Done']),
  }),
]);
/** A change to make. */
export type SimEvent = z.input<typeof simEventSchema>;

/** The webhook a change makes. */
export interface WebhookMessage {
  source: 'github' | 'jira';
  /** `pull_request`, `deployment_status`, … (GitHub) or `jira:issue_updated`. */
  event: string;
  payload: Record<string, unknown>;
}

const repository = (repo: GitHubRepo) => ({
  id: repo.id,
  name: repo.name,
  full_name: `${repo.owner}/${repo.name}`,
  owner: { login: repo.owner },
});

/** Makes the change at `now` and returns the record changed and the webhook it makes. */
export function applyEvent(
  dataset: Dataset,
  input: SimEvent,
  now: number,
  base: string,
  look: JiraLook,
): { record: unknown; message: WebhookMessage } {
  const event = simEventSchema.parse(input);
  const at = githubTime(now);
  if (event.type === 'jira-transition') {
    const issue = dataset.transitionJiraIssue(event.key, event.to, isoTime(now));
    const from = issue.changelog.at(-1)!.from;
    return {
      record: issue,
      message: {
        source: 'jira',
        event: 'jira:issue_updated',
        payload: {
          timestamp: now,
          webhookEvent: 'jira:issue_updated',
          issue_event_type_name: 'issue_generic',
          issue: formatIssue(issue, dataset, base, { fields: parseFields(['*all'], true), changelog: false, look }),
          changelog: {
            id: issue.changelog.at(-1)!.id,
            items: [{ field: 'status', fieldId: 'status', fromString: from, toString: event.to }],
          },
        },
      },
    };
  }
  const repo = dataset.repo(event.owner, event.repo);
  if (!repo) throw new RangeError(`no repository ${event.owner}/${event.repo}`);
  const github = (name: string, payload: Record<string, unknown>) => ({
    source: 'github' as const,
    event: name,
    payload: { ...payload, repository: repository(repo), sender: { login: 'simulator' } },
  });
  switch (event.type) {
    case 'open': {
      const pull = dataset.addPullRequest(event.owner, event.repo, {
        created_at: at,
        first_commit_at: githubTime(now - 3_600_000),
        ...(event.title !== undefined && { title: event.title }),
        ...(event.user !== undefined && { user: event.user }),
      });
      return {
        record: pull,
        message: github('pull_request', { action: 'opened', number: pull.number, pull_request: pull }),
      };
    }
    case 'review': {
      const review = dataset.addReview(event.owner, event.repo, event.number, {
        user: event.user,
        state: event.state,
        submitted_at: at,
      });
      const pull = repo.pullRequests.find((p) => p.number === event.number)!;
      return {
        record: review,
        message: github('pull_request_review', { action: 'submitted', review, pull_request: pull }),
      };
    }
    case 'merge': {
      const pull = dataset.mergePullRequest(event.owner, event.repo, event.number, at);
      return {
        record: pull,
        message: github('pull_request', {
          action: 'closed',
          number: pull.number,
          pull_request: { ...pull, merged: true },
        }),
      };
    }
    case 'deploy': {
      const deployment = dataset.addDeployment(event.owner, event.repo, {
        environment: event.environment,
        created_at: at,
        statuses: [{ state: event.state, created_at: at }],
      });
      const status = repo.deploymentStatuses[String(deployment.id)]!.at(-1)!;
      return {
        record: deployment,
        message: github('deployment_status', { action: 'created', deployment_status: status, deployment }),
      };
    }
    case 'incident': {
      const issue =
        event.close === undefined
          ? dataset.addIssue(event.owner, event.repo, { created_at: at, labels: ['incident'], title: 'Incident' })
          : dataset.closeIssue(event.owner, event.repo, event.close, at);
      return {
        record: issue,
        message: github('issues', { action: event.close === undefined ? 'opened' : 'closed', issue }),
      };
    }
  }
}
