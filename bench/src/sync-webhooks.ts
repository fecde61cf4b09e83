/**
 * The webhook part of `npm run bench:sync`, on two server instances sharing PostgreSQL and Redis
 * (as a deployment scales out): the time from a delivery accepted by instance A to the updated
 * metrics event on instance B's event stream, and what hostile requests (bad or missing signature,
 * replay, unknown integration, oversized body) leave behind: stored rows and 5xx answers.
 */
import { createSimulator } from '@agiletrack/api-simulator';
import { routeUrl } from '@agiletrack/domain';
import { signBody } from '../../apps/server/src/connectors/webhook-signature.ts';
import { startTestServer, type TestServer } from '../../apps/server/src/testing/harness.ts';
import { openTestStream } from '../../apps/server/src/testing/sse.ts';

/** What the webhook part measured. */
export interface WebhookResults {
  deliveries: number;
  p50Ms: number;
  p95Ms: number;
  hostile: number;
  hostileStored: number;
  hostile5xx: number;
  byKind: Record<string, number>;
}

const count = async (t: TestServer, table: string) =>
  Number(
    ((await t.server.deps.database.sql.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0] as { n: number }).n,
  );

/** Runs the webhook measurements against a mid-size project. */
export async function measureWebhooks(deliveries = 100, hostilePerKind = 250): Promise<WebhookResults> {
  const sim = await createSimulator({
    size: { repos: 1, pullRequestsPerRepo: 300, deploymentsPerRepo: 80, days: 120 },
  });
  const a = await startTestServer('redis');
  const b = await startTestServer('redis', { join: a });
  try {
    const base = await a.server.app.listen({ host: '127.0.0.1', port: 0 });
    const baseB = await b.server.app.listen({ host: '127.0.0.1', port: 0 });
    const created = await a.request({
      method: 'POST',
      url: routeUrl('integrations.list', { params: { teamId: a.ids.teamA } }),
      as: 'alice',
      payload: {
        kind: 'github',
        name: 'hooks',
        config: { owner: 'acme', repo: 'web', baseUrl: sim.url },
        credentials: { token: 'ghp_simulator_token' },
      },
    });
    const { integration, webhookSecret } = created.json() as { integration: { id: number }; webhookSecret: string };
    const sync = await a.request({
      method: 'POST',
      url: routeUrl('integrations.sync', { params: { integrationId: integration.id } }),
      as: 'alice',
    });
    const jobId = (sync.json() as { jobId: string }).jobId;
    for (;;) {
      const job = (
        await a.request({ method: 'GET', url: routeUrl('jobs.get', { params: { jobId } }), as: 'alice' })
      ).json() as { job: { state: string } };
      if (job.job.state === 'completed' || job.job.state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const path = routeUrl('webhooks.github', { params: { integrationId: integration.id } });
    sim.webhooks.add({ source: 'github', url: `${base}${path}`, secret: webhookSecret });

    // Delivery accepted by A → `integration.synced` for it on B's stream.
    const stream = await openTestStream(`${baseB}${routeUrl('system.events')}`, {
      authorization: `Bearer ${b.tokens.alice}`,
    });
    const times: number[] = [];
    for (let i = 0; i < deliveries; i++) {
      const t0 = performance.now();
      const applied = await sim.apply({ type: 'open', owner: 'acme', repo: 'web', title: `Change ${i}` });
      if (applied.deliveries[0]?.status !== 202)
        throw new Error(`delivery ${i} answered ${applied.deliveries[0]?.status}`);
      await stream
        .next((event) => {
          const data = event.data as { type?: string; integrationId?: string | number } | null;
          return data?.type === 'integration.synced' && String(data.integrationId) === String(integration.id);
        }, 10_000)
        .catch((error: Error) => {
          throw new Error(`${error.message}: ${JSON.stringify(stream.seen)}`);
        });
      times.push(performance.now() - t0);
    }
    stream.close();
    times.sort((x, y) => x - y);

    // Hostile requests: none may store anything or answer 5xx.
    const storedBefore = (await count(a, 'webhook_deliveries')) + (await count(a, 'work_items'));
    const replayId = sim.webhooks.deliveries().at(-1)!.id;
    const body = JSON.stringify({ action: 'opened', number: 1 });
    const big = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
    const kinds: Record<string, (i: number) => { url: string; body: string; headers: Record<string, string> }> = {
      'bad signature': (i) => ({
        url: path,
        body,
        headers: { 'x-github-delivery': `bad-${i}`, 'x-hub-signature-256': signBody('wrong', body) },
      }),
      'missing signature': (i) => ({ url: path, body, headers: { 'x-github-delivery': `missing-${i}` } }),
      replay: () => ({
        url: path,
        body,
        headers: { 'x-github-delivery': replayId, 'x-hub-signature-256': signBody(webhookSecret, body) },
      }),
      'unknown integration': (i) => ({
        url: routeUrl('webhooks.github', { params: { integrationId: 900_000 + i } }),
        body,
        headers: { 'x-github-delivery': `unknown-${i}`, 'x-hub-signature-256': signBody(webhookSecret, body) },
      }),
      oversized: (i) => ({
        url: path,
        body: big,
        headers: { 'x-github-delivery': `big-${i}`, 'x-hub-signature-256': signBody(webhookSecret, big) },
      }),
    };
    const byKind: Record<string, number> = {};
    let hostile = 0;
    let hostile5xx = 0;
    for (const [kind, make] of Object.entries(kinds)) {
      const n = kind === 'oversized' ? Math.ceil(hostilePerKind / 5) : hostilePerKind;
      for (let i = 0; i < n; i++) {
        const request = make(i);
        const response = await fetch(`${base}${request.url}`, {
          method: 'POST',
          body: request.body,
          headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', ...request.headers },
        });
        await response.body?.cancel();
        hostile++;
        byKind[`${kind} → ${response.status}`] = (byKind[`${kind} → ${response.status}`] ?? 0) + 1;
        if (response.status >= 500) hostile5xx++;
      }
    }
    await a.server.deps.webhooks.settled();
    const storedAfter = (await count(a, 'webhook_deliveries')) + (await count(a, 'work_items'));
    return {
      deliveries,
      p50Ms: times[Math.floor(times.length * 0.5)]!,
      p95Ms: times[Math.floor(times.length * 0.95)]!,
      hostile,
      hostileStored: storedAfter - storedBefore,
      hostile5xx,
      byKind,
    };
  } finally {
    await b.close();
    await a.close();
    await sim.close();
  }
}
