/**
 * Shared by the API tests (apps/server/src/http/api.*.test.ts): one seeded server per describe
 * block with every response body kept, the credentials-leak check, the error-body assertion.
 */
import type { Cache } from '@agiletrack/cache';
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
