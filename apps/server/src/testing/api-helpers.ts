/**
 * Shared by the API tests (apps/server/src/http/api.*.test.ts): one seeded server per describe
 * block with every response body kept, the credentials-leak check, the error-body assertion.
 */
import type { Cache } from '@agiletrack/cache';
import { API_ROUTES, type RouteId, type RouteSpec, routePath } from '@agiletrack/domain';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import type { TeamView } from '../services/views.ts';
import { type JoinOptions, startTestServer, type TestMode, type TestServer } from './harness.ts';

/** What `request` takes. */
export type RequestOptions = Parameters<TestServer['request']>[0];

/** Headers of a request that bypasses every cache tier. */
export const FRESH = { 'cache-control': 'no-cache' };

/** `X-Cache` and `X-Cache-Tier` of a response, as one string (`HIT l1`). */
export const how = (response: LightMyRequestResponse) =>
  `${response.headers['x-cache']} ${response.headers['x-cache-tier']}`;

/** One server per describe block; every response body is kept for the credentials check. */
export function serverFor(mode: TestMode, options: JoinOptions = {}) {
  const api = {
    t: undefined as unknown as TestServer,
    bodies: [] as string[],
    async request(options: RequestOptions): Promise<LightMyRequestResponse> {
      const response = await api.t.request(options);
      api.bodies.push(response.body);
      return response;
    },
  };
  beforeAll(async () => {
    api.t = await startTestServer(mode, options);
  });
  afterAll(async () => {
    await api.t?.close();
  });
  return api;
}

/** Secrets or credential fields found in a response body (the API never returns them). */
export function leaksIn(body: string): string[] {
  const found = ['SECRET_A', 'SECRET_B'].filter((secret) => body.includes(secret));
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'credentials' || key === 'credentialsEncrypted') found.push(`field ${key}`);
        walk(inner);
      }
    }
  };
  try {
    walk(JSON.parse(body));
  } catch {
    // Not JSON (Prometheus text, an empty 204): the substring check above covers it.
  }
  return found;
}

/** Asserts a failure answer: the status and exactly `{error: {code, message}}`. */
export function expectError(response: LightMyRequestResponse, status: number, code: string): void {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status,
    body: { error: { code, message: expect.stringMatching(/\S/) } },
  });
}

/** A promise with its resolver, to hold a factory until the test lets it go. */
export function gate<T>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Polls `predicate` every 5 ms; fails after `ms` naming `what` it waited for. */
export async function until(predicate: () => boolean, ms = 5_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Like {@link until}, for an asynchronous check (polled one at a time, every 10 ms). */
export async function untilAsync(
  predicate: () => Promise<boolean>,
  ms = 10_000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Deletes team `teamId`'s key from `cache`, then starts a read of it whose factory blocks until
 * `release()`; resolves once the factory has begun (its source read "happened" before anything
 * the test does next). `release()` lets it return `old`.
 */
export async function startSlowTeamRead(cache: Cache, teamId: number, old: TeamView) {
  const key = `team_${teamId}`;
  await cache.delete(key);
  const release = gate<TeamView>();
  const started = gate<void>();
  const reader = cache.getOrSet<TeamView>(
    key,
    () => {
      started.open();
      return release.promise;
    },
    { forceFresh: false, tags: [`team:${teamId}`], ttl: 3_600_000 },
  );
  await started.promise;
  return { key, reader, release: () => release.open(old) };
}

/** Ids to put in the path parameters of {@link tableRequests}. */
export type PathIds = Readonly<Record<string, string | number>>;

const PLANTED_INTEGRATION = {
  kind: 'github',
  name: 'planted',
  config: { owner: 'evil', repo: 'x', baseUrl: 'http://127.0.0.1:9' },
  credentials: { token: 't' },
};

/**
 * A valid body (and the required query) of each route that takes one, so a request built from the
 * table reaches its handler's access and existence checks. A route missing here fails the test
 * that walks the table.
 */
export const SAMPLE_INPUT: Partial<Record<RouteId, { payload?: unknown; query?: string }>> = {
  'auth.login': { payload: { email: 'nobody@test.local', password: 'not-a-password' } },
  'auth.resetPassword': { payload: { token: 'not-a-link', newPassword: 'never-set-password' } },
  'me.changePassword': { payload: { currentPassword: 'wrong-password-1', newPassword: 'another-password-1' } },
  'tokens.create': { payload: { name: 'never used' } },
  'users.create': { payload: { email: 'planted@test.local', name: 'Planted', role: 'member' } },
  'users.update': { payload: { name: 'Renamed' } },
  'teams.create': { payload: { name: 'Planted' } },
  'teams.update': { payload: { name: 'Taken over', description: 'x' } },
  'members.add': { payload: { email: 'alice@test.local' } },
  'integrations.create': { payload: PLANTED_INTEGRATION },
  'integrations.testNew': { payload: PLANTED_INTEGRATION },
  'integrations.update': { payload: { name: 'Taken over' } },
  'metrics.workItems': { query: 'metric=prThroughputPerWeek' },
  'metrics.workItemsCsv': { query: 'metric=prThroughputPerWeek' },
  'metrics.goalCreate': { payload: { metric: 'leadTimeHours', comparator: 'atMost', threshold: 48 } },
  'metrics.goalUpdate': { payload: { threshold: 1 } },
  'metrics.notificationsUpdate': { payload: { webhookUrl: null } },
  'cache.clientReport': { payload: { quotaFailures: 0 } },
};

/** One request per route of the table that `filter` keeps, its path parameters filled from `ids`. */
export function tableRequests(ids: PathIds, filter: (spec: RouteSpec) => boolean): (RequestOptions & { id: string })[] {
  return API_ROUTES.filter((spec) => !spec.plugin && filter(spec)).map((spec) => {
    const sample = SAMPLE_INPUT[spec.id as RouteId];
    const path = routePath(spec, ids);
    return {
      id: spec.id,
      method: spec.method,
      url: sample?.query ? `${path}?${sample.query}` : path,
      ...(sample?.payload !== undefined && { payload: sample.payload as Record<string, unknown> }),
    };
  });
}

/** Routes of the table whose body or query has required fields but no {@link SAMPLE_INPUT}. */
export function routesWithoutSample(): string[] {
  return API_ROUTES.filter(
    (spec) =>
      !spec.plugin &&
      SAMPLE_INPUT[spec.id as RouteId] === undefined &&
      ((spec.body !== undefined && !spec.body.safeParse(undefined).success) ||
        (spec.query !== undefined && !spec.query.safeParse({}).success)),
  ).map((spec) => spec.id);
}
