/** Small HTTP helpers shared by the GitHub, Jira and admin routes. */
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Which API a path belongs to; decides the shape of error bodies. */
export type ApiFamily = 'github' | 'jira' | 'admin';

/** Prefix of the simulator's own control routes. */
export const ADMIN_PREFIX = '/__sim/';

/** The API family of a path. */
export function familyOf(path: string): ApiFamily {
  if (path.startsWith(ADMIN_PREFIX)) return 'admin';
  return path.startsWith('/rest/') ? 'jira' : 'github';
}

/** The path of a request, without its query string. */
export function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** `http://host:port` as the client addressed us, for links that point back at the simulator. */
export function baseUrlOf(request: FastifyRequest): string {
  return `http://${request.headers.host ?? `${request.hostname}`}`;
}

/** The first value of a query parameter, if present. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined> | undefined)?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A non-negative integer query parameter, `fallback` when absent or not a number. */
export function intParam(request: FastifyRequest, name: string, fallback: number): number {
  const raw = queryParam(request, name);
  if (raw === undefined || !/^\d+$/.test(raw)) return fallback;
  return Number(raw);
}

const GITHUB_DOCS = 'https://docs.github.com/rest';

/** An error body in the shape the path's API uses. */
export function errorBody(family: ApiFamily, message: string): unknown {
  switch (family) {
    case 'github':
      return { message, documentation_url: GITHUB_DOCS };
    case 'jira':
      return { errorMessages: [message], errors: {} };
    case 'admin':
      return { error: { code: 'E_SIM_BAD_REQUEST', message } };
  }
}

/** Bodies smaller than this go uncompressed, as GitHub and Atlassian do. */
const COMPRESS_FROM = 1_024;

/**
 * Sends a JSON body (serialised here, so the bytes hashed for an ETag are the bytes sent). Like
 * GitHub and Jira Cloud, a client that accepts gzip gets it (with its compressed length), so
 * the bytes a sync receives are the bytes that would cross the network.
 */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  reply.code(status).type('application/json; charset=utf-8');
  if (json.length < COMPRESS_FROM) return reply.send(json);
  reply.header('vary', 'Accept-Encoding');
  if (!/\bgzip\b/.test(String(reply.request.headers['accept-encoding'] ?? ''))) return reply.send(json);
  return reply.header('content-encoding', 'gzip').send(gzipSync(json, { level: 6 }));
}

/** Resolves after `ms` milliseconds (immediately for 0). */
export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
