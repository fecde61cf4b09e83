/**
 * Hostile input on every route of the table: bodies of the wrong type or shape, each field of a
 * valid body replaced by something it is not (null, numbers at the edges, huge and control-laden
 * strings, arrays, objects), broken JSON, prototype keys, and queries with out-of-range, repeated
 * and malformed values. Whatever is sent, the answer is below 500 and a refusal is
 * `{error: {code, message}}` with a documented code. Logout (it ends the caller's session), routes
 * that answer something other than JSON (event streams, Prometheus text), and deletions (they would remove the data the next requests use), are
 * left to their own tests. Members go first: an admin's requests may change the team (a valid
 * `memberIds: []` among the replacements empties it).
 */
import { API_ERRORS, API_ROUTES, type RouteId, type RouteSpec, routePath } from '@agiletrack/domain';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { type RequestOptions, SAMPLE_INPUT, serverFor } from '../testing/api-helpers.ts';

const LEFT_OUT = new Set<string>(['auth.logout']);

/** What a field may be replaced by. */
const WRONG_VALUES: unknown[] = [
  null,
  0,
  -1,
  2 ** 53,
  1e308,
  true,
  '',
  ' ',
  'x'.repeat(20_000),
  '\u0000\u202e<script>alert(1)</script>',
  "'; DROP TABLE users; --",
  [],
  ['a', 1],
  {},
  { $gt: '' },
];

/** Whole bodies that are not what any route takes. */
const WRONG_BODIES: unknown[] = [null, [], 'text', 42, true, {}, { ['__proto__']: { admin: true } }];

/** Raw payloads that are not JSON at all. */
const BROKEN_JSON = ['{', '{"a":', '{"a":1}}', '\u0000', '{"constructor":{"prototype":{"admin":true}}}'];

/** What a query parameter may be set to. */
const WRONG_QUERY_VALUES = ['', '-1', '0', '1e309', 'NaN', '%00', '%FF', 'x'.repeat(5_000), '[]', '{"a":1}'];

function fieldsOf(spec: RouteSpec, sample: unknown): string[] {
  const shape = (spec.body as { shape?: Record<string, unknown> } | undefined)?.shape;
  const keys = new Set([
    ...Object.keys(shape ?? {}),
    ...(sample !== null && typeof sample === 'object' ? Object.keys(sample) : []),
  ]);
  return [...keys];
}

/** Every hostile request for one route, its path parameters filled from `ids`. */
function hostileRequests(spec: RouteSpec, ids: Record<string, number | string>): (RequestOptions & { url: string })[] {
  const sample = SAMPLE_INPUT[spec.id as RouteId];
  const path = routePath(spec, ids);
  const url = sample?.query ? `${path}?${sample.query}` : path;
  const out: (RequestOptions & { url: string })[] = [];
  if (spec.method !== 'GET') {
    const base = (sample?.payload ?? {}) as Record<string, unknown>;
    for (const payload of WRONG_BODIES) out.push({ method: spec.method, url, payload: JSON.stringify(payload) });
    for (const payload of BROKEN_JSON) out.push({ method: spec.method, url, payload });
    for (const field of fieldsOf(spec, base)) {
      for (const value of WRONG_VALUES) out.push({ method: spec.method, url, payload: { ...base, [field]: value } });
    }
    out.push({ method: spec.method, url, payload: { ...base, unexpected: 'field' } });
  }
  const queryKeys = Object.keys(spec.query?.shape ?? {});
  for (const key of queryKeys.length > 0 ? queryKeys : ['unexpected']) {
    for (const value of WRONG_QUERY_VALUES) out.push({ method: spec.method, url: `${path}?${key}=${value}` });
    out.push({ method: spec.method, url: `${path}?${key}=1&${key}=2` });
  }
  return out.map((request) =>
    typeof request.payload === 'string' ? { ...request, headers: { 'content-type': 'application/json' } } : request,
  );
}

/** Why an answer breaks the rule, or undefined when it keeps it. */
function problemWith(response: LightMyRequestResponse): string | undefined {
  if (response.statusCode >= 500) return `status ${response.statusCode}: ${response.body.slice(0, 200)}`;
  if (response.statusCode < 400) return undefined;
  let body: { error?: { code?: unknown; message?: unknown } };
  try {
    body = response.json();
  } catch {
    return `status ${response.statusCode} without a JSON body: ${response.body.slice(0, 200)}`;
  }
  const code = body.error?.code;
  if (typeof code !== 'string' || !(code in API_ERRORS) || typeof body.error?.message !== 'string') {
    return `status ${response.statusCode} not in the error shape: ${response.body.slice(0, 200)}`;
  }
  return undefined;
}

describe('hostile input on every route (embedded)', () => {
  const api = serverFor('embedded');

  it.each(['alice', 'admin'] as const)(
    'answers every request as %s below 500, refusals in the error shape',
    async (as) => {
      const { ids } = api.t;
      const pathIds = {
        teamId: ids.teamA,
        integrationId: ids.integrationA,
        userId: ids.bob,
        tokenId: 999_999,
        jobId: '3b241101-e2bb-4255-8caf-4136c566a962',
        goalId: 999_999,
      };
      const routes = API_ROUTES.filter(
        (spec) => !spec.plugin && !spec.produces && !LEFT_OUT.has(spec.id) && spec.method !== 'DELETE',
      );
      const problems: string[] = [];
      let sent = 0;
      for (const spec of routes) {
        for (const request of hostileRequests(spec, pathIds)) {
          const response = await api.request({ ...request, as });
          sent++;
          const problem = problemWith(response);
          if (problem) problems.push(`${spec.id} ${request.method} ${request.url.slice(0, 120)}: ${problem}`);
        }
      }
      expect(problems).toEqual([]);
      expect(sent).toBeGreaterThan(1_000);
      // The server still answers normally afterwards.
      expect((await api.request({ method: 'GET', url: '/api/health', as: null })).json()).toMatchObject({
        status: 'ok',
      });
    },
    600_000,
  );
});
