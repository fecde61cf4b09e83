import { describe, expect, it, vi } from 'vitest';
import { compilePathPattern } from './faults.ts';
import { SimulatorOptionsError } from './options.ts';
import type { Simulator } from './server.ts';
import { github, jira, settle, startSimulator } from './test-helpers.ts';

const PULLS = '/repos/acme/web/pulls?state=all';

/** Waits until the simulator has counted `n` held-and-dropped requests. */
async function heldCount(sim: Simulator, n: number): Promise<void> {
  await vi.waitFor(() => expect(sim.counts().byStatus.timeout ?? 0).toBe(n), { timeout: 5_000, interval: 10 });
}

describe('path patterns', () => {
  it('match :params and * within a segment, ** across segments, and nothing else', () => {
    const route = compilePathPattern('/repos/:owner/:repo/pulls');
    expect(route.test('/repos/acme/web/pulls')).toBe(true);
    expect(route.test('/repos/acme/web/pulls/1/reviews')).toBe(false);
    expect(compilePathPattern('/repos/acme/*').test('/repos/acme/web')).toBe(true);
    expect(compilePathPattern('/repos/acme/*').test('/repos/acme/web/pulls')).toBe(false);
    expect(compilePathPattern('/rest/**').test('/rest/api/3/search/jql')).toBe(true);
    expect(compilePathPattern('/rate_limit').test('/rate-limit')).toBe(false);
    expect(compilePathPattern('/a.b').test('/aXb')).toBe(false);
  });
});

describe('status faults', () => {
  it('fail the next N matching requests with the status, then stop', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([
      { method: 'GET', path: '/repos/:owner/:repo/pulls', times: 2, fault: { type: 'status', status: 503 } },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await github(sim, PULLS)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(sim.faults()).toEqual([]);
    // Other routes were never affected.
    expect((await github(sim, '/repos/acme/web/deployments')).status).toBe(200);
  });

  it('answer in the shape of the API the path belongs to', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([{ path: '/**', fault: { type: 'status', status: 502 } }]);
    const gh = await github(sim, PULLS);
    expect(await gh.json()).toMatchObject({ message: 'Bad Gateway' });
    const jr = await jira(sim, '/rest/agile/1.0/board/1/sprint');
    expect(jr.status).toBe(502);
    expect(await jr.json()).toMatchObject({ errorMessages: ['Bad Gateway'] });
  });

  it('apply to a seeded fraction of requests, the same requests for the same seed', async () => {
    const run = async (seed: number) => {
      const sim = await startSimulator({ dataset: 'fixed', seed });
      sim.setFaults([{ path: '/repos/**', probability: 0.5, fault: { type: 'status', status: 500 } }]);
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await github(sim, PULLS)).status);
      return statuses;
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    const failed = a.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(8);
    expect(failed).toBeLessThan(32);
    expect(a.filter((s) => s !== 500).every((s) => s === 200)).toBe(true);
  });

  it('do not spend rate limit', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([{ path: '/repos/**', times: 3, fault: { type: 'status', status: 500 } }]);
    for (let i = 0; i < 3; i++) await github(sim, PULLS);
    expect((await github(sim, PULLS)).headers.get('x-ratelimit-used')).toBe('1');
  });
});

describe('rate-limit faults', () => {
  it('answer 429 with the configured retry-after', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([{ path: '/rest/**', times: 1, fault: { type: 'rate-limit', retryAfterSeconds: 7 } }]);
    const limited = await jira(sim, '/rest/agile/1.0/board/1/sprint');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await jira(sim, '/rest/agile/1.0/board/1/sprint')).status).toBe(200);
  });
});

describe('malformed faults', () => {
  it('answer 200 with a JSON content type and a body that does not parse', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([{ path: '/repos/**', times: 1, fault: { type: 'malformed' } }]);
    const response = await github(sim, PULLS);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    await expect(response.json()).rejects.toThrow(SyntaxError);
    expect(sim.counts().byStatus['200']).toBe(1);
  });
});

describe('timeout faults', () => {
  it('hold the request for ms, then drop the connection without an answer', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([{ path: '/repos/**', times: 1, fault: { type: 'timeout', ms: 100 } }]);
    const result = await settle(github(sim, PULLS));
    expect(result.ok).toBe(false);
    expect(sim.counts().byRouteAndStatus['GET /repos/:owner/:repo/pulls']).toEqual({ timeout: 1 });
    expect((await github(sim, PULLS)).status).toBe(200);
  });

  it('with after: respond, answer normally after the hold', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([{ path: '/repos/**', times: 1, fault: { type: 'timeout', ms: 120, after: 'respond' } }]);
    const started = performance.now();
    const response = await github(sim, PULLS);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('without ms, hold until reset() and never answer', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([{ path: '/repos/**', fault: { type: 'timeout' } }]);
    const pending = settle(github(sim, PULLS));
    await heldCount(sim, 1);
    const early = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('still held'), 100))]);
    expect(early).toBe('still held');
    sim.reset();
    expect((await pending).ok).toBe(false);
    expect((await github(sim, PULLS)).status).toBe(200);
  });

  it('never hold longer than maxHoldMs', async () => {
    const sim = await startSimulator({ dataset: 'fixed', maxHoldMs: 150 });
    sim.setFaults([{ path: '/repos/**', fault: { type: 'timeout' } }]);
    expect((await settle(github(sim, PULLS))).ok).toBe(false);
  });

  it('let a client abort, and let close() finish while requests are held', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    sim.setFaults([{ path: '/repos/**', fault: { type: 'timeout' } }]);
    const aborted = await settle(github(sim, PULLS, { signal: AbortSignal.timeout(100) }));
    expect(aborted.ok).toBe(false);
    expect((aborted as { error: Error }).error.name).toBe('TimeoutError');

    const pending = settle(github(sim, PULLS));
    await heldCount(sim, 2);
    await sim.close();
    expect((await pending).ok).toBe(false);
  });
});

describe('fault admin API', () => {
  it('sets, lists and clears rules over HTTP', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const set = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ path: '/repos/**', times: 1, fault: { type: 'status', status: 500 } }] }),
    });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ rules: [{ method: '*', remaining: 1, probability: 1 }] });
    expect((await github(sim, PULLS)).status).toBe(500);
    expect((await github(sim, PULLS)).status).toBe(200);

    sim.setFaults([{ path: '/**', fault: { type: 'status', status: 503 } }]);
    expect((await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await github(sim, PULLS)).status).toBe(200);
  });

  it('refuses a bad rule with 400 over HTTP and SimulatorOptionsError in process', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const response = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ path: 'no-slash', fault: { type: 'explode' } }]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'E_SIM_OPTIONS_INVALID' } });
    expect(() => sim.setFaults([{ path: '/x', probability: 2, fault: { type: 'malformed' } }])).toThrow(
      SimulatorOptionsError,
    );
  });
});
