/**
 * Goals: set on a team's metric, evaluated against the team's card at once and after every sync;
 * a breach reaches the team's open dashboards (event stream) and its webhook (a local receiver
 * here), retried with backoff; failures are visible to admins; the webhook address is never
 * answered, logged in the audit or stored in clear. Embedded mode: nothing here depends on the
 * cache configuration.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { GoalSchema } from '@agiletrack/domain';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, goalEvaluations, teamNotifications } from '../db/schema.ts';
import { expectError } from '../testing/api-helpers.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { openTestStream } from '../testing/sse.ts';
import { AS_OF, connect, sync } from '../testing/sync-helpers.ts';

describe('goals and their notifications (embedded)', () => {
  let t: TestServer;
  let sim: Simulator;
  let receiver: Server;
  let hookUrl: string;
  let baseUrl: string;
  const received: { body: string }[] = [];
  // The statuses the receiver answers, in order (then 200).
  const statuses: number[] = [];
  const sleeps: number[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({ body });
        response.statusCode = statuses.shift() ?? 200;
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/T000/B000/secret-hook-path`;
    t = await startTestServer('embedded', {
      // Syncs compute as of the fixed data set's instant.
      sync: { now: () => AS_OF },
      notifier: { sleep: async (ms) => void sleeps.push(ms), baseDelayMs: 100, attempts: 3 },
    });
    baseUrl = await t.server.app.listen({ port: 0, host: '127.0.0.1' });
    sim = await createSimulator({ dataset: 'fixed' });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const teamA = () => t.ids.teamA;
  const idle = () => t.server.deps.goals.notifier.idle();

  it('sets a goal, evaluated at once (unknown before any data), and refuses bad goals with field messages', async () => {
    const created = await t.request({
      method: 'POST',
      url: `/api/teams/${teamA()}/goals`,
      as: 'alice',
      payload: { metric: 'prThroughputPerWeek', comparator: 'atLeast', threshold: 5 },
    });
    expect(created.statusCode).toBe(201);
    const goal = GoalSchema.parse(created.json().goal);
    expect(goal).toMatchObject({ metric: 'prThroughputPerWeek', windowDays: 28, status: 'unknown', value: null });
    for (const payload of [
      { metric: 'nope', comparator: 'atMost', threshold: 1 },
      { metric: 'leadTimeHours', comparator: 'below', threshold: 1 },
      { metric: 'leadTimeHours', comparator: 'atMost', threshold: -1 },
      { metric: 'changeFailureRate', comparator: 'atMost', threshold: 15 },
      { metric: 'leadTimeHours', comparator: 'atMost', threshold: 1, windowDays: 5 },
    ]) {
      expectError(
        await t.request({ method: 'POST', url: `/api/teams/${teamA()}/goals`, as: 'alice', payload }),
        400,
        'E_VALIDATION',
      );
    }
    // Another team's member can neither read nor change them.
    expectError(await t.request({ method: 'GET', url: `/api/teams/${teamA()}/goals`, as: 'bob' }), 403, 'E_FORBIDDEN');
    expectError(
      await t.request({ method: 'PATCH', url: `/api/goals/${goal.id}`, as: 'bob', payload: { threshold: 1 } }),
      403,
      'E_FORBIDDEN',
    );
    expectError(await t.request({ method: 'DELETE', url: `/api/goals/${goal.id}`, as: 'bob' }), 403, 'E_FORBIDDEN');
    expectError(await t.request({ method: 'DELETE', url: '/api/goals/987654' }), 404, 'E_NOT_FOUND');
  });

  it('keeps the webhook address sealed: set, never answered, never in the audit log or in clear', async () => {
    const set = await t.request({
      method: 'PATCH',
      url: `/api/teams/${teamA()}/notifications`,
      as: 'alice',
      payload: { webhookUrl: hookUrl },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json().notifications).toMatchObject({ webhookConfigured: true, lastFailure: null });
    const read = await t.request({ method: 'GET', url: `/api/teams/${teamA()}/notifications`, as: 'alice' });
    const { db } = t.server.deps;
    const [row] = await db.select().from(teamNotifications).where(eq(teamNotifications.teamId, teamA()));
    const audit = await db.select().from(auditLog);
    for (const text of [set.body, read.body, row!.webhookUrlEncrypted!, JSON.stringify(audit)]) {
      expect(text).not.toContain('secret-hook-path');
    }
    // Not a URL, not https to another host, not a private address the policy refuses.
    for (const webhookUrl of ['nope', 'http://hooks.example.com/x', 'https://169.254.169.254/latest']) {
      expectError(
        await t.request({
          method: 'PATCH',
          url: `/api/teams/${teamA()}/notifications`,
          as: 'alice',
          payload: { webhookUrl },
        }),
        400,
        'E_VALIDATION',
      );
    }
  });

  it('evaluates after a sync: a breach reaches the open dashboard and the webhook (retried through a 500)', async () => {
    const ids = await connect(t, sim);
    const stream = await openTestStream(`${baseUrl}/api/events`, { authorization: `Bearer ${t.tokens.alice}` });
    statuses.push(500);
    expect((await sync(t, ids.github)).state).toBe('completed');
    // The fixed data merges 2 pull requests in 4 weeks: 0.5 a week, under the goal of 5.
    await stream.next(
      (event) => event.event === 'invalidate' && (event.data as { type: string }).type === 'team.goals',
    );
    stream.close();
    await idle();
    const goals = (await t.request({ method: 'GET', url: `/api/teams/${teamA()}/goals`, as: 'alice' })).json().goals;
    expect(goals[0]).toMatchObject({ status: 'breached', value: 0.5 });
    expect(goals[0].history.map((h: { status: string }) => h.status)).toEqual(['breached', 'unknown']);
    // One 500, then delivered: two posts with the same message, one backoff wait between them.
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[1]!.body).text).toBe(
      'Goal breached: PR throughput is 0.5 / week, goal ≥ 5.0 / week (28 days)',
    );
    expect(sleeps).toEqual([100]);
    // Breached and still breached after the next sync: no second message.
    expect((await sync(t, ids.jira)).state).toBe('completed');
    await idle();
    expect(received).toHaveLength(2);
  });

  it('records a delivery that keeps failing after its retries, for admins only', async () => {
    const created = await t.request({
      method: 'POST',
      url: `/api/teams/${teamA()}/goals`,
      as: 'alice',
      payload: { metric: 'prMergeTimeHours', comparator: 'atMost', threshold: 1 },
    });
    expect(created.json().goal.status).toBe('breached');
    statuses.push(503, 503, 503);
    const before = received.length;
    await idle();
    expect(received.length - before).toBe(3);
    const failures = await t.request({ method: 'GET', url: '/api/admin/notifications' });
    expect(failures.json().failures[0]).toMatchObject({
      teamId: teamA(),
      goalId: created.json().goal.id,
      attempts: 3,
      error: 'the webhook answered 503',
    });
    expectError(await t.request({ method: 'GET', url: '/api/admin/notifications', as: 'alice' }), 403, 'E_FORBIDDEN');
    const settings = await t.request({ method: 'GET', url: `/api/teams/${teamA()}/notifications`, as: 'alice' });
    expect(settings.json().notifications.lastFailure).toMatchObject({ error: 'the webhook answered 503' });
    // Removing a goal removes its history.
    const removed = await t.request({ method: 'DELETE', url: `/api/goals/${created.json().goal.id}`, as: 'alice' });
    expect(removed.statusCode).toBe(204);
    const left = await t.server.deps.db
      .select()
      .from(goalEvaluations)
      .where(eq(goalEvaluations.goalId, created.json().goal.id));
    expect(left).toEqual([]);
  });
});
