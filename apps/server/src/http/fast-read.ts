/**
 * Cached reads without a promise. A GET with no query and no `Cache-Control: no-cache`, whose
 * caller's principal and whose value the memory tier both hold, is authorized and answered inside
 * the authentication hook: one `writeHead` + `end` of the response prepared once per cached value
 * (bytes per coding, ETag, the complete header lists of the 200 and the 304; `respond.ts`).
 *
 * Anything else goes the ordinary way, which gives the same answers: a miss, an id that is not a
 * plain small integer, a caller who may not see the team (the ordinary path answers the 403), a
 * HEAD, a query, a forced refresh. The fast path skips Fastify's `onSend` and `onResponse` hooks,
 * so the answer carries the security headers itself, and the path is off while the request log
 * (an `onResponse` hook, debug level only) is on. It is off too while the cache's operation
 * monitor listens (`routing.ts`): a synchronous read emits no operation event.
 */
import type { RouteId } from '@agiletrack/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canSeeTeam, type Principal } from '../services/accounts.ts';
import { negotiateEncoding } from './compression.ts';
import type { AppDeps } from './deps.ts';
import { etagMatches, type PreparedBody, preparedFor, wantsFresh } from './respond.ts';

/** The cached body a route answers `principal` with, when the memory tier has it and the caller may see it. */
export type FastRead = (principal: Principal, params: Readonly<Record<string, string>>) => PreparedBody | undefined;

/** How many reads the fast path answered (tests check that cached reads take it). */
export interface FastReadCounter {
  served: number;
}

// Ids the ordinary path parses to the same number in every range check: anything else
// (a UUID, a leading zero, a huge number) goes that way and gets its answer there.
const SMALL_ID = /^[1-9][0-9]{0,8}$/;

/** The routes with a fast path, by id. */
export function fastReads(deps: AppDeps): Partial<Record<RouteId, FastRead>> {
  const { metrics, teams } = deps;
  return {
    'metrics.team': (principal, params) => {
      const teamId = visibleTeam(principal, params.teamId);
      const view = teamId === undefined ? undefined : metrics.cachedTeamMetrics(teamId);
      return view === undefined ? undefined : preparedFor(view, 'metrics');
    },
    'teams.get': (principal, params) => {
      const teamId = visibleTeam(principal, params.teamId);
      const team = teamId === undefined ? undefined : teams.cachedTeam(teamId);
      return team === undefined ? undefined : preparedFor(team, 'team');
    },
  };
}

/** The team a path names when it is a plain small id the caller may see (else the ordinary path decides). */
function visibleTeam(principal: Principal, id: string | undefined): number | undefined {
  if (id === undefined || !SMALL_ID.test(id)) return undefined;
  const teamId = Number(id);
  return canSeeTeam(principal, teamId) ? teamId : undefined;
}

/**
 * Answers `request` from `read` when it can (returns true: the reply is sent and hijacked), else
 * returns false and the request goes on.
 */
export function serveFast(
  request: FastifyRequest,
  reply: FastifyReply,
  principal: Principal,
  read: FastRead,
  counter: FastReadCounter,
): boolean {
  if (request.method !== 'GET' || request.url.includes('?') || wantsFresh(request)) return false;
  const body = read(principal, request.params as Readonly<Record<string, string>>);
  if (body === undefined) return false;
  const encoding = body.encodingFor(negotiateEncoding(request.headers['accept-encoding']));
  const ready = body.response(encoding, request.server.securityHeaders.for(request, false));
  reply.hijack();
  if (etagMatches(request.headers['if-none-match'], ready.etag)) reply.raw.writeHead(304, ready.notModified).end();
  else reply.raw.writeHead(200, ready.ok).end(ready.payload);
  counter.served++;
  return true;
}
