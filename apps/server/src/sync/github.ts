/**
 * GitHub connector (REST v3 shapes; works against api.github.com or the simulator): pull requests
 * with their first review, and deployments with their statuses. Pages follow the `Link` header.
 */
import type { ExternalClient } from './http-client.ts';
import type { FetchResult, Progress, WorkItemInput } from './types.ts';

interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  title: string;
  draft?: boolean;
  created_at: string;
  closed_at: string | null;
  merged_at: string | null;
  user?: { login?: string };
}
interface Review {
  submitted_at?: string | null;
  state?: string;
}
interface Deployment {
  id: number;
  environment: string;
  created_at: string;
  sha?: string;
}
interface DeploymentStatus {
  state: string;
  created_at: string;
}

/** GitHub integration settings (validated by the API). */
export interface GithubConfig {
  owner: string;
  repo: string;
}

/** The URL of the `rel="next"` page, if any. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}

async function paginate<T>(
  client: ExternalClient,
  first: string,
  onPage: (count: number) => void,
): Promise<{ items: T[]; changed: boolean }> {
  const items: T[] = [];
  let changed = false;
  let url: string | undefined = first;
  while (url) {
    const page = await client.get<T[]>(url);
    if (!Array.isArray(page.body)) throw new Error(`${url}: expected a JSON array`);
    items.push(...page.body);
    changed ||= page.changed;
    onPage(items.length);
    url = nextLink(page.headers.get('link'));
  }
  return { items, changed };
}

const date = (value: string | null | undefined) => (value ? new Date(value) : null);

/** Fetches everything the metrics need from one repository. */
export async function fetchGithub(
  client: ExternalClient,
  config: GithubConfig,
  progress: Progress,
): Promise<FetchResult> {
  const repo = `/repos/${encodeURIComponent(config.owner)}/${encodeURIComponent(config.repo)}`;
  const pulls = await paginate<PullRequest>(client, `${repo}/pulls?state=all&per_page=100`, (n) =>
    progress('pull requests', n),
  );
  let changed = pulls.changed;
  const items: WorkItemInput[] = [];

  for (const [index, pr] of pulls.items.entries()) {
    const reviews = await client.get<Review[]>(`${repo}/pulls/${pr.number}/reviews?per_page=100`);
    changed ||= reviews.changed;
    const reviewTimes = (Array.isArray(reviews.body) ? reviews.body : [])
      .map((r) => r.submitted_at)
      .filter((t): t is string => typeof t === 'string')
      .map((t) => new Date(t).getTime())
      .sort((a, b) => a - b);
    items.push({
      kind: 'pull_request',
      externalId: String(pr.number),
      title: pr.title ?? '',
      state: pr.merged_at ? 'merged' : pr.state,
      createdAt: new Date(pr.created_at),
      startedAt: new Date(pr.created_at),
      firstReviewAt: reviewTimes.length > 0 ? new Date(reviewTimes[0]!) : null,
      finishedAt: date(pr.merged_at),
      storyPoints: null,
      sprint: null,
      data: { draft: pr.draft ?? false, author: pr.user?.login ?? null, closedAt: pr.closed_at },
    });
    progress('reviews', index + 1, pulls.items.length);
  }

  const deployments = await paginate<Deployment>(client, `${repo}/deployments?per_page=100`, (n) =>
    progress('deployments', n),
  );
  changed ||= deployments.changed;
  for (const [index, deployment] of deployments.items.entries()) {
    const statuses = await client.get<DeploymentStatus[]>(`${repo}/deployments/${deployment.id}/statuses?per_page=100`);
    changed ||= statuses.changed;
    const list = Array.isArray(statuses.body) ? statuses.body : [];
    const success = list
      .filter((s) => s.state === 'success')
      .map((s) => new Date(s.created_at).getTime())
      .sort((a, b) => a - b)[0];
    // GitHub lists statuses newest first; the simulator oldest first: take the newest by time.
    const latest = [...list].sort((a, b) => new Date(b.created_at).getTime() - new Date(a.created_at).getTime())[0];
    items.push({
      kind: 'deployment',
      externalId: String(deployment.id),
      title: deployment.sha ?? '',
      state: latest?.state ?? 'pending',
      createdAt: new Date(deployment.created_at),
      startedAt: new Date(deployment.created_at),
      firstReviewAt: null,
      finishedAt: success === undefined ? null : new Date(success),
      storyPoints: null,
      sprint: null,
      data: { environment: deployment.environment },
    });
    progress('deployment statuses', index + 1, deployments.items.length);
  }
  return { items, changed };
}
