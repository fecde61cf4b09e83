/**
 * Webhooks end to end: the simulator delivers signed events to a listening server, which applies
 * each delivery once (a replay is ignored), refuses bad and missing signatures, unknown or wrong
 * integrations and oversized bodies without storing anything, rotates the secret, and shows the
 * deliveries. A webhook-driven update leaves the same work items and metrics as a full REST resync.
 */
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { routeUrl } from '@agiletrack/domain';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../connectors/webhook-signature.ts';
import { metricSnapshots, webhookDeliveries, workItems } from '../db/schema.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { connect, sync } from '../testing/sync-helpers.ts';

const AS_OF = Date.parse('2024-05-15T00:00:00Z');
const SIZE = { repos: 1, pullRequestsPerRepo: 120, issuesPerRepo: 10, deploymentsPerRepo: 30, projects: 1, days: 120 };

describe('webhooks', () => {
  let sim: Simulator;
  let t: TestServer;
  let base: string;
  let ids: { github: number; jira: number };
  let secret: string;

  beforeAll(async () => {
    sim = await createSimulator({ size: SIZE, now: () => AS_OF });
    t = await startTestServer('embedded', { sync: { now: () => AS_OF } });
    base = await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    ids = await connect(t, sim);
    const rotated = await t.request({
      method: 'POST',
      url: routeUrl('integrations.webhookSecret', { params: { integrationId: ids.github } }),
    });
    secret = rotated.json().secret;
    expect((await sync(t, ids.github)).state).toBe('completed');
    sim.webhooks.add({
      source: 'github',
      url: `${base}${routeUrl('webhooks.github', { params: { integrationId: ids.github } })}`,
      secret,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  const db = () => t.server.deps.db;
  const deliveries = async () => (await db().select().from(webhookDeliveries)).length;
  const items = async (integrationId: number) =>
    (
      await db()
        .select()
        .from(workItems)
        .where(eq(workItems.integrationId, integrationId))
        .orderBy(asc(workItems.kind), asc(workItems.externalId))
    ).map(({ id: _id, integrationId: _i, seenIn: _s, ...rest }) => rest);
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const githubPath = () => routeUrl('webhooks.github', { params: { integrationId: ids.github } });

  it('shows the secret once at connect, and the webhook to set up', async () => {
    const created = await t.request({
      method: 'POST',
      url: routeUrl('integrations.list', { params: { teamId: t.ids.teamA } }), // the same path, POST
      payload: {
        kind: 'github',
        name: 'hooks',
        config: { owner: 'acme', repo: 'web', baseUrl: sim.url },
        credentials: { token: 'x' },
      },
    });
    expect(created.json().webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Without an interval, a new integration syncs every hour rather than never.
    expect(created.json().integration.syncIntervalMinutes).toBe(60);
    const info = await t.request({
      method: 'GET',
      url: routeUrl('integrations.webhook', { params: { integrationId: ids.github } }),
    });
    expect(info.json()).toMatchObject({
      path: `/api/webhooks/github/${ids.github}`,
      events: expect.arrayContaining(['pull_request', 'deployment_status']),
      signatureHeader: 'x-hub-signature-256',
      hasSecret: true,
    });
  });

  it('applies a merge and a deployment delivered as webhooks', async () => {
    const opened = (await sim.apply({ type: 'open', owner: 'acme', repo: 'web' })).record as { number: number };
    await sim.apply({ type: 'merge', owner: 'acme', repo: 'web', number: opened.number });
    const deployed = await sim.apply({ type: 'deploy', owner: 'acme', repo: 'web' });
    expect(deployed.deliveries.map((d) => d.status)).toEqual([202]);
    await t.server.deps.webhooks.settled();
    const stored = await items(ids.github);
    expect(stored.find((i) => i.kind === 'pull_request' && i.externalId === String(opened.number))?.state).toBe(
      'merged',
    );
    expect(
      stored.some((i) => i.kind === 'deployment' && i.externalId === String((deployed.record as { id: number }).id)),
    ).toBe(true);
  });

  it('ignores a replay, and refuses bad, missing and unknown deliveries without storing anything', async () => {
    const last = sim.webhooks.deliveries().at(-1)!;
    const body = JSON.stringify({ action: 'created' });
    const signed = {
      'x-github-event': 'deployment_status',
      'x-github-delivery': last.id,
      'x-hub-signature-256': signBody(secret, body),
    };
    const before = await deliveries();
    sim.reset({ rateLimits: false });
    const path = routeUrl('webhooks.github', { params: { integrationId: ids.github } });
    // The same delivery id again: 200, ignored.
    expect((await post(path, body, signed)).status).toBe(200);
    // Bad, missing signature: 401; an unknown integration or the wrong kind: 404; too big: 413.
    expect(
      (
        await post(path, body, {
          ...signed,
          'x-github-delivery': 'new-1',
          'x-hub-signature-256': signBody('wrong', body),
        })
      ).status,
    ).toBe(401);
    const { 'x-hub-signature-256': _dropped, ...unsigned } = signed;
    expect((await post(path, body, { ...unsigned, 'x-github-delivery': 'new-2' })).status).toBe(401);
    expect((await post(routeUrl('webhooks.github', { params: { integrationId: 999_999 } }), body, signed)).status).toBe(
      404,
    );
    expect(
      (await post(routeUrl('webhooks.jira', { params: { integrationId: ids.github } }), body, signed)).status,
    ).toBe(404);
    const big = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
    expect(
      (await post(path, big, { ...signed, 'x-github-delivery': 'new-3', 'x-hub-signature-256': signBody(secret, big) }))
        .status,
    ).toBe(413);
    await t.server.deps.webhooks.settled();
    expect(await deliveries()).toBe(before);
    expect(sim.counts().total).toBe(0); // nothing was synced
    const info = await t.request({
      method: 'GET',
      url: routeUrl('integrations.webhook', { params: { integrationId: ids.github } }),
    });
    expect(info.json().refused).toEqual({ signature: 2, replay: 1 });
    expect(info.json().deliveries[0]).toMatchObject({ event: 'deployment_status', outcome: 'applied' });
  });

  it('refuses the old secret once it is rotated', async () => {
    const rotated = await t.request({
      method: 'POST',
      url: routeUrl('integrations.webhookSecret', { params: { integrationId: ids.github } }),
    });
    const body = '{}';
    const headers = { 'x-github-event': 'ping', 'x-github-delivery': 'after-rotation' };
    expect((await post(githubPath(), body, { ...headers, 'x-hub-signature-256': signBody(secret, body) })).status).toBe(
      401,
    );
    expect(
      (await post(githubPath(), body, { ...headers, 'x-hub-signature-256': signBody(rotated.json().secret, body) }))
        .status,
    ).toBe(200);
    secret = rotated.json().secret;
  });

  it('leaves the same work items and metrics as a full REST resync', async () => {
    const rest = (await connect(t, sim, 'rest', { api: 'rest' })).github;
    expect((await sync(t, rest)).state).toBe('completed');
    expect(await items(rest)).toEqual(await items(ids.github));
    const metrics = async (id: number) =>
      (
        await db()
          .select()
          .from(metricSnapshots)
          .where(eq(metricSnapshots.integrationId, id))
          .orderBy(asc(metricSnapshots.windowDays))
      ).map((s) => s.metrics);
    expect(await metrics(rest)).toEqual(await metrics(ids.github));
  }, 60_000); // REST reads each pull request's reviews, size and first commit
});
