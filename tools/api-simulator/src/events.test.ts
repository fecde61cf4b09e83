/**
 * Upstream changes on demand and their signed webhooks, and data that never runs past the clock.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSimulator } from './test-helpers.ts';

async function receiver() {
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.statusCode = 202;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('events and webhooks', () => {
  it('opens, reviews, merges and deploys at the clock, and signs each webhook', async () => {
    const now = Date.parse('2024-02-01T12:00:00Z');
    const sim = await startSimulator({ dataset: 'fixed', now: () => now });
    const hook = await receiver();
    sim.webhooks.add({ source: 'github', url: hook.url, secret: 'gh-secret' });
    sim.webhooks.add({ source: 'jira', url: hook.url, secret: 'jira-secret' });

    const opened = (await sim.apply({ type: 'open', owner: 'acme', repo: 'web' })).record as { number: number };
    await sim.apply({ type: 'review', owner: 'acme', repo: 'web', number: opened.number });
    await sim.apply({ type: 'merge', owner: 'acme', repo: 'web', number: opened.number });
    const deployed = await sim.apply({ type: 'deploy', owner: 'acme', repo: 'web' });
    await sim.apply({ type: 'jira-transition', key: 'AT-4', to: 'Done' });
    expect(deployed.deliveries).toMatchObject([{ status: 202, event: 'deployment_status' }]);

    const events = hook.received.map(
      (r) => r.headers['x-github-event'] ?? (r.headers['x-atlassian-webhook-identifier'] && 'jira'),
    );
    expect(events).toEqual(['pull_request', 'pull_request_review', 'pull_request', 'deployment_status', 'jira']);
    for (const { headers, body } of hook.received) {
      if (headers['x-github-event']) {
        expect(headers['x-hub-signature-256']).toBe(sign('gh-secret', body));
        expect(headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      } else expect(headers['x-hub-signature']).toBe(sign('jira-secret', body));
    }
    const merged = JSON.parse(hook.received[2]!.body);
    expect(merged.pull_request).toMatchObject({ merged: true, merged_at: '2024-02-01T12:00:00Z' });
    // The deployment shipped the merge just made.
    expect(JSON.parse(hook.received[3]!.body).deployment.sha).toBe(merged.pull_request.merge_commit_sha);
    expect(sim.dataset.jiraIssue('AT-4')!.status).toBe('Done');
  });

  it('never answers a timestamp after its clock', async () => {
    const now = Date.parse('2024-02-20T00:00:00Z'); // inside the generated span
    const sim = await startSimulator({ size: { repos: 1, projects: 1, days: 90 }, now: () => now });
    // Every time but the running sprint's planned end.
    const { sprints } = sim.dataset.data.jira;
    const data = {
      ...sim.dataset.data,
      jira: { ...sim.dataset.data.jira, sprints: sprints.map((s) => ({ ...s, endDate: null })) },
    };
    const times = JSON.stringify(data).match(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g) ?? [];
    expect(times.length).toBeGreaterThan(100);
    expect(times.filter((t) => Date.parse(t) > now)).toEqual([]);
    // Work that finishes later is still open now.
    expect(sim.dataset.data.github.repos[0]!.pullRequests.some((p) => p.state === 'open')).toBe(true);
  });
});
