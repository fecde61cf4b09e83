/**
 * The GitHub REST endpoints a connector needs. Listings filter, sort and page the stored records
 * the way GitHub documents it (state defaults to `open`, newest first unless asked otherwise).
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimContext } from '../context.ts';
import { compareText } from '../dataset/people.ts';
import type { GitHubPullRequest, GitHubRepo } from '../dataset/types.ts';
import { errorBody, queryParam } from '../http.ts';
import { paginate } from './pagination.ts';
import { type GitHubAnswer, gitHubResponder } from './respond.ts';

type RepoParams = { owner: string; repo: string };

const notFound = (): GitHubAnswer => ({ status: 404, body: errorBody('github', 'Not Found') });

function invalid(field: string, value: string): GitHubAnswer {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource: 'Search', field, code: 'invalid', value }],
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}

function ok<T>(request: FastifyRequest, items: readonly T[]): GitHubAnswer {
  const page = paginate(request, items);
  return { status: 200, body: page.items, link: page.link };
}

/** `state` as GitHub reads it: `open` by default, or `closed`, or `all`. */
function stateFilter(request: FastifyRequest): 'open' | 'closed' | 'all' | undefined {
  const state = queryParam(request, 'state') ?? 'open';
  return state === 'open' || state === 'closed' || state === 'all' ? state : undefined;
}

/**
 * Sorts by a timestamp field. GitHub's default direction is `desc` when sorting by `created`
 * (or not sorting), `asc` otherwise. Ties fall back to the number, so the order is total.
 */
function sortBy<T extends { number: number; created_at: string; updated_at: string }>(
  request: FastifyRequest,
  items: readonly T[],
): T[] | GitHubAnswer {
  const sort = queryParam(request, 'sort') ?? 'created';
  const field = sort === 'updated' ? 'updated_at' : 'created_at';
  const direction = queryParam(request, 'direction') ?? (sort === 'created' ? 'desc' : 'asc');
  if (direction !== 'asc' && direction !== 'desc') return invalid('direction', direction);
  const sign = direction === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => sign * (compareText(a[field], b[field]) || a.number - b.number));
}

/** Registers the GitHub routes. */
export function registerGitHubRoutes(app: FastifyInstance, ctx: SimContext): void {
  const answer = gitHubResponder(ctx);
  const repoOf = (params: RepoParams): GitHubRepo | undefined => ctx.dataset.repo(params.owner, params.repo);

  // A sync pages through 10,000 pull requests and asks for each one's reviews: filter and sort a
  // listing once per query and data revision, and find a pull request by number in a map.
  const listings = new Map<string, { revision: number; items: unknown[] }>();
  function memoized<T>(key: string, build: () => T[] | GitHubAnswer): T[] | GitHubAnswer {
    const hit = listings.get(key);
    if (hit?.revision === ctx.dataset.revision) return hit.items as T[];
    const built = build();
    if (Array.isArray(built)) {
      if (listings.size > 100) listings.clear();
      listings.set(key, { revision: ctx.dataset.revision, items: built });
    }
    return built;
  }
  let numbers: { revision: number; byRepo: Map<GitHubRepo, Map<string, GitHubPullRequest>> } | undefined;
  function pullByNumber(repo: GitHubRepo, number: string): GitHubPullRequest | undefined {
    if (numbers?.revision !== ctx.dataset.revision) numbers = { revision: ctx.dataset.revision, byRepo: new Map() };
    let byNumber = numbers.byRepo.get(repo);
    if (!byNumber) {
      byNumber = new Map(repo.pullRequests.map((p) => [String(p.number), p]));
      numbers.byRepo.set(repo, byNumber);
    }
    return byNumber.get(number);
  }

  app.get<{ Params: RepoParams }>('/repos/:owner/:repo/pulls', (request, reply) =>
    answer(request, reply, () => {
      const repo = repoOf(request.params);
      if (!repo) return notFound();
      const state = stateFilter(request);
      if (!state) return invalid('state', queryParam(request, 'state') ?? '');
      const key = `pulls|${repo.owner}/${repo.name}|${state}|${queryParam(request, 'sort')}|${queryParam(request, 'direction')}`;
      const sorted = memoized(key, () =>
        sortBy(
          request,
          repo.pullRequests.filter((pr) => state === 'all' || pr.state === state),
        ),
      );
      return Array.isArray(sorted) ? ok(request, sorted) : sorted;
    }),
  );

  app.get<{ Params: RepoParams & { number: string } }>('/repos/:owner/:repo/pulls/:number/reviews', (request, reply) =>
    answer(request, reply, () => {
      const repo = repoOf(request.params);
      const pr = repo && pullByNumber(repo, request.params.number);
      if (!repo || !pr) return notFound();
      // Reviews come in chronological order, as on GitHub.
      return ok(request, repo.reviews[String(pr.number)] ?? []);
    }),
  );

  // One pull request: the listing's fields plus its size, as GitHub answers it.
  app.get<{ Params: RepoParams & { number: string } }>('/repos/:owner/:repo/pulls/:number', (request, reply) =>
    answer(request, reply, () => {
      const repo = repoOf(request.params);
      const pr = repo && pullByNumber(repo, request.params.number);
      if (!repo || !pr) return notFound();
      const size = repo.sizes[String(pr.number)] ?? { additions: 0, deletions: 0, changed_files: 0 };
      return { status: 200, body: { ...pr, merged: pr.merged_at !== null, ...size } };
    }),
  );

  // A pull request's commits, oldest first.
  app.get<{ Params: RepoParams & { number: string } }>('/repos/:owner/:repo/pulls/:number/commits', (request, reply) =>
    answer(request, reply, () => {
      const repo = repoOf(request.params);
      const pr = repo && pullByNumber(repo, request.params.number);
      if (!repo || !pr) return notFound();
      return ok(
        request,
        (repo.commits[String(pr.number)] ?? []).map((c) => ({
          sha: c.sha,
          commit: { author: { date: c.authored_at }, committer: { date: c.committed_at }, message: '' },
        })),
      );
    }),
  );

  app.get<{ Params: RepoParams }>('/repos/:owner/:repo/issues', (request, reply) =>
    answer(request, reply, () => {
      const repo = repoOf(request.params);
      if (!repo) return notFound();
      const state = stateFilter(request);
      if (!state) return invalid('state', queryParam(request, 'state') ?? '');
      const since = queryParam(request, 'since');
      const sinceMs = since === undefined ? undefined : Date.parse(since);
      if (sinceMs !== undefined && Number.isNaN(sinceMs)) return invalid('since', since ?? '');
      // `labels=a,b`: issues carrying every one of them.
      const labels = (queryParam(request, 'labels') ?? '').split(',').filter((l) => l !== '');
      const sorted = sortBy(
        request,
        repo.issues.filter(
          (issue) =>
            (state === 'all' || issue.state === state) &&
            (sinceMs === undefined || Date.parse(issue.updated_at) >= sinceMs) &&
            labels.every((label) => issue.labels.some((l) => l.name === label)),
        ),
      );
      return Array.isArray(sorted) ? ok(request, sorted) : sorted;
    }),
  );

  app.get<{ Params: RepoParams }>('/repos/:owner/:repo/deployments', (request, reply) =>
    answer(request, reply, () => {
      const repo = repoOf(request.params);
      if (!repo) return notFound();
      const environment = queryParam(request, 'environment');
      const ref = queryParam(request, 'ref');
      const sha = queryParam(request, 'sha');
      const key = `deployments|${repo.owner}/${repo.name}|${environment}|${ref}|${sha}`;
      const sorted = memoized(key, () =>
        repo.deployments
          .filter(
            (d) =>
              (environment === undefined || d.environment === environment) &&
              (ref === undefined || d.ref === ref) &&
              (sha === undefined || d.sha === sha),
          )
          // Newest first, as GitHub lists deployments.
          .sort((a, b) => compareText(b.created_at, a.created_at) || b.id - a.id),
      );
      return Array.isArray(sorted) ? ok(request, sorted) : sorted;
    }),
  );

  app.get<{ Params: RepoParams & { id: string } }>('/repos/:owner/:repo/deployments/:id', (request, reply) =>
    answer(request, reply, () => {
      const deployment = repoOf(request.params)?.deployments.find((d) => String(d.id) === request.params.id);
      return deployment ? { status: 200, body: deployment } : notFound();
    }),
  );

  app.get<{ Params: RepoParams & { id: string } }>('/repos/:owner/:repo/deployments/:id/statuses', (request, reply) =>
    answer(request, reply, () => {
      const repo = repoOf(request.params);
      const statuses = repo?.deploymentStatuses[request.params.id];
      if (!repo || !statuses) return notFound();
      const sorted = [...statuses].sort((a, b) => compareText(b.created_at, a.created_at) || b.id - a.id);
      return ok(request, sorted);
    }),
  );

  app.get('/rate_limit', (request, reply) =>
    answer(
      request,
      reply,
      (token) => {
        const state = ctx.github.primary.peek(token);
        const core = {
          limit: state.limit,
          used: state.used,
          remaining: state.remaining,
          reset: Math.ceil(state.resetAt / 1000),
        };
        return { status: 200, body: { resources: { core }, rate: core } };
      },
      { free: true },
    ),
  );
}
