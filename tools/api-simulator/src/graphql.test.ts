/**
 * The GraphQL endpoint: GitHub's shapes for pull requests (reviews, first commit, size, merge
 * commit, labels) newest first by update time, keyset cursors, the cost model, the hourly and
 * per-minute point budgets, 502s for heavy queries, and latency waited on an injected clock.
 */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { queryCost } from './github/graphql/cost.ts';
import type { SimulatorOptions } from './options.ts';
import { github, startSimulator } from './test-helpers.ts';

const PULLS = `query($first: Int!, $after: String) {
  rateLimit { cost remaining nodeCount }
  repository(owner: "acme", name: "web") {
    pullRequests(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number state updatedAt mergedAt additions deletions changedFiles mergeCommit { oid }
        labels(first: 10) { nodes { name } }
        reviews(first: 50) { nodes { state submittedAt } }
        commits(first: 1) { nodes { commit { authoredDate } } }
      }
    }
  }
}`;

async function graphql(url: string, variables: Record<string, unknown>, query = PULLS) {
  const response = await github({ url } as never, `${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test walks GraphQL answers of many shapes
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

describe('GitHub GraphQL', () => {
  it('answers pull requests newest first by update time with everything a metric needs, page by page', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const first = await graphql(sim.url, { first: 2 });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-resource')).toBe('graphql');
    const page = first.body.data.repository.pullRequests;
    expect(page.nodes.map((n: { number: number }) => n.number)).toEqual([3, 2]);
    expect(page.nodes[1]).toMatchObject({
      state: 'MERGED',
      additions: 40,
      deletions: 10,
      changedFiles: 2,
      mergeCommit: { oid: expect.stringMatching(/^[0-9a-f]{40}$/) },
      reviews: { nodes: [{ state: 'CHANGES_REQUESTED' }, { state: 'APPROVED' }] },
      commits: { nodes: [{ commit: { authoredDate: '2024-01-01T16:00:00Z' } }] },
    });
    const second = await graphql(sim.url, { first: 2, after: page.pageInfo.endCursor });
    expect(second.body.data.repository.pullRequests.nodes.map((n: { number: number }) => n.number)).toEqual([1]);
    expect(second.body.data.repository.pullRequests.pageInfo.hasNextPage).toBe(false);
    // rateLimit reports this query's cost and what is left after it.
    expect(second.body.data.rateLimit).toMatchObject({ cost: 1, remaining: 4998 });
  });

  it("prices queries with GitHub's model: one request per parent that may hold a connection, over 100", () => {
    const cost = queryCost(parse(PULLS), { first: 100 });
    // 1 (pull requests) + 100 × 3 (labels, reviews, commits) = 301 requests → 3 points.
    expect(cost).toEqual({ requests: 301, points: 3, nodes: 100 + 100 * 10 + 100 * 50 + 100 * 1 });
    expect(queryCost(parse('{ rateLimit { cost } }'), {}).points).toBe(1);
  });

  it('spends hourly points, then answers RATE_LIMITED; the per-minute budget answers 403 with retry-after', async () => {
    const options: SimulatorOptions = {
      dataset: 'fixed',
      github: { graphql: { rateLimit: { limit: 4 }, secondaryRateLimit: { limit: 100 } } },
    };
    const sim = await startSimulator(options);
    for (let i = 0; i < 4; i++) expect((await graphql(sim.url, { first: 1 })).body.errors).toBeUndefined();
    const limited = await graphql(sim.url, { first: 1 });
    expect(limited.body.errors[0].type).toBe('RATE_LIMITED');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');

    const busy = await startSimulator({ dataset: 'fixed', github: { graphql: { secondaryRateLimit: { limit: 5 } } } });
    expect((await graphql(busy.url, { first: 100 })).status).toBe(200); // 3 points
    const refused = await graphql(busy.url, { first: 100 }); // 6 > 5 a minute
    expect(refused.status).toBe(403);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('fails heavy queries with 502 when configured, and lighter ones pass', async () => {
    const sim = await startSimulator({
      dataset: 'fixed',
      github: { graphql: { badGateway: { minNodes: 3_000, probability: 1 } } },
    });
    expect((await graphql(sim.url, { first: 100 })).status).toBe(502); // 6,200 nodes
    expect((await graphql(sim.url, { first: 40 })).status).toBe(200); // 2,480 nodes
  });

  it('waits its latency on the clock it is given', async () => {
    const waited: number[] = [];
    const sim = await startSimulator({
      dataset: 'fixed',
      latency: 250,
      sleep: async (ms) => {
        waited.push(ms);
      },
    });
    await graphql(sim.url, { first: 1 });
    expect(waited).toEqual([250]);
  });
});
