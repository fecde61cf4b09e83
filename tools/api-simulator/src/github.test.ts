import { describe, expect, it } from 'vitest';
import type {
  GitHubDeployment,
  GitHubDeploymentStatus,
  GitHubIssue,
  GitHubPullRequest,
  GitHubReview,
} from './dataset/types.ts';
import { parseLinkHeader } from './github/pagination.ts';
import { github, startSimulator } from './test-helpers.ts';

const PULLS_ALL = '/repos/acme/web/pulls?state=all&per_page=100';

describe('GitHub: data and ETags', () => {
  it('serves the same bodies and ETags for the same seed, different ones for another seed', async () => {
    const a = await startSimulator({ seed: 42 });
    const b = await startSimulator({ seed: 42 });
    const c = await startSimulator({ seed: 43 });
    const [ra, rb, rc] = await Promise.all([github(a, PULLS_ALL), github(b, PULLS_ALL), github(c, PULLS_ALL)]);
    expect(ra.status).toBe(200);
    expect(await ra.text()).toBe(await rb.text());
    expect(ra.headers.get('etag')).toMatch(/^"[0-9a-f]{40}"$/);
    expect(ra.headers.get('etag')).toBe(rb.headers.get('etag'));
    expect(rc.headers.get('etag')).not.toBe(ra.headers.get('etag'));
  });

  it('answers If-None-Match with 304, no body, and spends no rate limit', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const first = await github(sim, PULLS_ALL);
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4999');

    const again = await github(sim, PULLS_ALL, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('x-ratelimit-remaining')).toBe('4999');
    expect(again.headers.get('x-ratelimit-used')).toBe('1');

    // Weak form and lists match too; a stale tag does not.
    const weak = await github(sim, PULLS_ALL, { headers: { 'if-none-match': `"old", W/${etag}` } });
    expect(weak.status).toBe(304);
    const stale = await github(sim, PULLS_ALL, { headers: { 'if-none-match': '"old"' } });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-ratelimit-remaining')).toBe('4998');
  });

  it('changes the ETag when the data changes upstream', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const before = await github(sim, PULLS_ALL);
    const etag = before.headers.get('etag')!;
    sim.dataset.addPullRequest('acme', 'web', { title: 'Hotfix', created_at: '2024-01-06T09:00:00Z' });

    const after = await github(sim, PULLS_ALL, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const pulls = (await after.json()) as GitHubPullRequest[];
    expect(pulls[0]).toMatchObject({ number: 6, title: 'Hotfix', state: 'open' });
  });
});

describe('GitHub: pagination', () => {
  it('follows Link rel="next" to the end and sees every pull request exactly once', async () => {
    const sim = await startSimulator({ seed: 5 });
    const expected = sim.dataset.repo('acme', 'web')!.pullRequests.map((p) => p.number);
    const seen: number[] = [];
    let next: string | undefined = `${sim.url}/repos/acme/web/pulls?state=all&per_page=7`;
    let pages = 0;
    let lastLinks: Record<string, string> = {};
    while (next) {
      const response = await github(sim, next);
      expect(response.status).toBe(200);
      seen.push(...((await response.json()) as GitHubPullRequest[]).map((p) => p.number));
      lastLinks = parseLinkHeader(response.headers.get('link'));
      if (pages === 0)
        expect(new URL(lastLinks.last!).searchParams.get('page')).toBe(String(Math.ceil(expected.length / 7)));
      next = lastLinks.next;
      pages++;
    }
    expect(pages).toBe(Math.ceil(expected.length / 7));
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen)).toEqual(new Set(expected));
    // The last page points back, never forward.
    expect(Object.keys(lastLinks).sort()).toEqual(['first', 'prev']);
    expect(new URL(lastLinks.first!).searchParams.get('state')).toBe('all');
  });

  it('defaults per_page to 30, caps it at 100 and sends no Link when one page holds all', async () => {
    const sim = await startSimulator({ seed: 5, size: { pullRequestsPerRepo: 120 } });
    const defaultPage = await github(sim, '/repos/acme/web/pulls?state=all');
    expect(((await defaultPage.json()) as unknown[]).length).toBe(30);
    const capped = await github(sim, '/repos/acme/web/pulls?state=all&per_page=500');
    expect(((await capped.json()) as unknown[]).length).toBe(100);
    expect(parseLinkHeader(capped.headers.get('link')).last).toContain('per_page=100');

    const small = await startSimulator({ dataset: 'fixed' });
    const all = await github(small, PULLS_ALL);
    expect(all.headers.get('link')).toBeNull();
  });

  it('lists pull requests newest first, open only unless state says otherwise', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const open = (await (await github(sim, '/repos/acme/web/pulls')).json()) as GitHubPullRequest[];
    expect(open.map((p) => p.number)).toEqual([3]);
    const all = (await (await github(sim, PULLS_ALL)).json()) as GitHubPullRequest[];
    expect(all.map((p) => p.number)).toEqual([3, 2, 1]);
    const asc = (await (await github(sim, `${PULLS_ALL}&direction=asc`)).json()) as GitHubPullRequest[];
    expect(asc.map((p) => p.number)).toEqual([1, 2, 3]);
    expect((await github(sim, '/repos/acme/web/pulls?state=bogus')).status).toBe(422);
  });
});

describe('GitHub: endpoints', () => {
  it('serves reviews, issues with since, deployments and statuses', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const reviews = (await (await github(sim, '/repos/acme/web/pulls/2/reviews')).json()) as GitHubReview[];
    expect(reviews.map((r) => [r.user.login, r.state, r.submitted_at])).toEqual([
      ['carol', 'CHANGES_REQUESTED', '2024-01-02T12:00:00Z'],
      ['carol', 'APPROVED', '2024-01-03T10:00:00Z'],
    ]);

    const issues = (await (await github(sim, '/repos/acme/web/issues?state=all')).json()) as GitHubIssue[];
    expect(issues.map((i) => i.number)).toEqual([5, 4]);
    const since = await github(sim, '/repos/acme/web/issues?state=all&since=2024-01-04T00:00:00Z');
    expect(((await since.json()) as GitHubIssue[]).map((i) => i.number)).toEqual([4]);

    const deployments = (await (await github(sim, '/repos/acme/web/deployments')).json()) as GitHubDeployment[];
    expect(deployments.map((d) => d.id)).toEqual([102, 101]);
    const statuses = (await (
      await github(sim, '/repos/acme/web/deployments/101/statuses')
    ).json()) as GitHubDeploymentStatus[];
    expect(statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
  });

  it('answers 404 for an unknown repository, pull request or deployment', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    for (const path of [
      '/repos/acme/nope/pulls',
      '/repos/acme/web/pulls/99/reviews',
      '/repos/acme/web/deployments/9/statuses',
    ]) {
      const response = await github(sim, path);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ message: 'Not Found' });
    }
  });
});

describe('GitHub: authentication', () => {
  it('answers 401 Bad credentials for a wrong token and Requires authentication for none', async () => {
    const sim = await startSimulator({ dataset: 'fixed', github: { tokens: ['good-one'] } });
    const bad = await fetch(`${sim.url}${PULLS_ALL}`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' });
    const none = await fetch(`${sim.url}${PULLS_ALL}`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ message: 'Requires authentication' });

    for (const scheme of ['Bearer', 'token']) {
      const ok = await fetch(`${sim.url}${PULLS_ALL}`, { headers: { authorization: `${scheme} good-one` } });
      expect(ok.status).toBe(200);
    }
  });
});

describe('GitHub: rate limits', () => {
  it('answers 403 with remaining 0 once the primary limit is spent, and resets with the window', async () => {
    let clock = Date.parse('2024-06-01T00:00:00Z');
    const sim = await startSimulator({
      dataset: 'fixed',
      now: () => clock,
      github: { rateLimit: { limit: 3, windowMs: 60_000 } },
    });
    const reset = String((clock + 60_000) / 1000);
    for (const remaining of ['2', '1', '0']) {
      const response = await github(sim, PULLS_ALL);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-remaining')).toBe(remaining);
      expect(response.headers.get('x-ratelimit-limit')).toBe('3');
      expect(response.headers.get('x-ratelimit-reset')).toBe(reset);
      expect(response.headers.get('x-ratelimit-resource')).toBe('core');
    }
    clock += 30_000;
    const limited = await github(sim, PULLS_ALL);
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-used')).toBe('3');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(reset);
    expect(limited.headers.get('etag')).toBeNull();
    expect(((await limited.json()) as { message: string }).message).toMatch(/rate limit exceeded/);

    const status = (await (await github(sim, '/rate_limit')).json()) as { rate: { remaining: number; used: number } };
    expect(status.rate).toMatchObject({ remaining: 0, used: 3 });

    clock += 30_000;
    const fresh = await github(sim, PULLS_ALL);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(sim.counts().byStatus).toMatchObject({ '200': 5, '403': 1 });
  });

  it('answers 429 with retry-after once the secondary limit is spent, without spending the primary', async () => {
    let clock = Date.parse('2024-06-01T00:00:00Z');
    const sim = await startSimulator({
      dataset: 'fixed',
      now: () => clock,
      github: { secondaryRateLimit: { limit: 2, windowMs: 10_000 } },
    });
    expect((await github(sim, PULLS_ALL)).status).toBe(200);
    expect((await github(sim, PULLS_ALL)).status).toBe(200);
    const limited = await github(sim, PULLS_ALL);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(limited.headers.get('x-ratelimit-used')).toBe('2');
    clock += 4_000;
    expect((await github(sim, PULLS_ALL)).headers.get('retry-after')).toBe('6');
    clock += 6_000;
    const after = await github(sim, PULLS_ALL);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-ratelimit-used')).toBe('3');
  });
});
