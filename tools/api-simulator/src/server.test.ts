import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSimulator } from './server.ts';
import { github, jira, settle, startSimulator } from './test-helpers.ts';

const PULLS = '/repos/acme/web/pulls?state=all';

describe('counts', () => {
  it('counts every answered request by route pattern and by status', async () => {
    const sim = await startSimulator({ dataset: 'fixed', github: { rateLimit: { limit: 4, windowMs: 60_000 } } });
    const first = await github(sim, PULLS);
    await github(sim, PULLS, { headers: { 'if-none-match': first.headers.get('etag')! } });
    await github(sim, '/repos/acme/web/pulls/1/reviews');
    await github(sim, '/repos/acme/web/pulls/2/reviews');
    await fetch(`${sim.url}${PULLS}`, { headers: { authorization: 'Bearer wrong' } });
    await github(sim, '/repos/acme/nope/pulls'); // 404, spends the last request
    await github(sim, PULLS); // 403
    await jira(sim, '/rest/api/3/issue/AT-1/changelog');
    await github(sim, '/no/such/route');

    const counts = sim.counts();
    expect(counts.total).toBe(9);
    expect(counts.byStatus).toEqual({ '200': 4, '304': 1, '401': 1, '403': 1, '404': 2 });
    expect(counts.byRoute).toEqual({
      'GET /repos/:owner/:repo/pulls': 5,
      'GET /repos/:owner/:repo/pulls/:number/reviews': 2,
      'GET /rest/api/3/issue/:issueIdOrKey/changelog': 1,
      'GET (unmatched)': 1,
    });
    expect(counts.byRouteAndStatus['GET /repos/:owner/:repo/pulls']).toEqual({
      '200': 1,
      '304': 1,
      '401': 1,
      '403': 1,
      '404': 1,
    });
    // The admin API reports the same snapshot and is not counted itself.
    const viaHttp = await (await fetch(`${sim.url}/__sim/counts`)).json();
    expect(viaHttp).toEqual(counts);
    expect(sim.counts().total).toBe(9);
  });

  it('reset() clears counts, faults and rate-limit windows; rateLimits: false keeps the windows', async () => {
    const sim = await startSimulator({ dataset: 'fixed', github: { rateLimit: { limit: 2, windowMs: 60_000 } } });
    sim.setFaults([{ path: '/never/**', fault: { type: 'malformed' } }]);
    await github(sim, PULLS);
    await github(sim, PULLS);
    expect((await github(sim, PULLS)).status).toBe(403);

    sim.reset({ rateLimits: false });
    expect(sim.counts()).toEqual({ total: 0, byRoute: {}, byStatus: {}, byRouteAndStatus: {} });
    expect(sim.faults()).toEqual([]);
    expect((await github(sim, PULLS)).status).toBe(403);

    const viaHttp = await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
    expect(viaHttp.status).toBe(204);
    expect((await github(sim, PULLS)).status).toBe(200);
    expect(sim.counts().total).toBe(1);
  });

  it('reset({ data: true }) undoes dataset changes', async () => {
    const sim = await startSimulator({ dataset: 'fixed' });
    const before = (await github(sim, PULLS)).headers.get('etag');
    sim.dataset.addPullRequest('acme', 'web');
    expect((await github(sim, PULLS)).headers.get('etag')).not.toBe(before);
    sim.reset({ data: true });
    expect((await github(sim, PULLS)).headers.get('etag')).toBe(before);
  });
});

describe('latency', () => {
  it('delays every API answer by at least the fixed latency, and can be changed at run time', async () => {
    const sim = await startSimulator({ dataset: 'fixed', latency: 150 });
    const timed = async (request: () => Promise<Response>) => {
      const started = performance.now();
      const response = await request();
      return { status: response.status, ms: performance.now() - started };
    };
    expect(await timed(() => github(sim, PULLS))).toMatchObject({ status: 200, ms: expect.any(Number) });
    for (const request of [() => github(sim, PULLS), () => jira(sim, '/rest/agile/1.0/board/1/sprint')]) {
      expect((await timed(request)).ms).toBeGreaterThanOrEqual(145);
    }

    const set = await fetch(`${sim.url}/__sim/latency`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fixedMs: 250, jitterMs: 50 }),
    });
    expect(set.status).toBe(204);
    expect((await timed(() => github(sim, PULLS))).ms).toBeGreaterThanOrEqual(245);
    expect(() => sim.setLatency(-1)).toThrow(/latency/);
  });
});

describe('lifecycle', () => {
  it('listens on 127.0.0.1 on an ephemeral port, and close() frees the port', async () => {
    const sim = await createSimulator({ dataset: 'fixed' });
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.port).toBeGreaterThan(0);
    await sim.close();
    await sim.close(); // idempotent
    expect((await settle(fetch(`${sim.url}/__sim/counts`))).ok).toBe(false);

    const again = await startSimulator({ dataset: 'fixed', port: sim.port });
    expect(again.port).toBe(sim.port);
    expect((await github(again, PULLS)).status).toBe(200);
  });

  it('refuses bad options before listening, naming the field', async () => {
    await expect(createSimulator({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(createSimulator({ github: { tokens: [] } })).rejects.toThrow(/tokens/);
    await expect(createSimulator({ size: { repos: -1 } })).rejects.toThrow(/repos/);
  });

  it('runs from the CLI and prints its URL', async () => {
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, [cli], { env: { ...process.env, SIMULATOR_PORT: '0', SIMULATOR_DATASET: 'fixed' } });
    onTestFinished(() => {
      child.kill('SIGTERM');
    });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`CLI exited with ${code}: ${output}`)));
    });
    const response = await fetch(`${url}/__sim/counts`);
    expect(response.status).toBe(200);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
