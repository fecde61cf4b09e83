/**
 * Cross-site request forgery: a browser attaches the session cookie to requests another site
 * makes (same-site ones too, whatever SameSite says), but it cannot forge `Origin` or
 * `Sec-Fetch-Site`. So an unsafe request authenticated by the cookie must say it comes from this
 * app: `Sec-Fetch-Site: same-origin`, or an `Origin` whose host is the request's host. Requests
 * with a bearer token carry no ambient credentials and are exempt; login is refused only when the
 * browser says it is cross-site (scripts log in without either header).
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What authenticates the request: a bearer token (which wins over the cookie), the session
 * cookie, nothing, or nothing yet (the login route).
 */
export type CsrfCredential = 'bearer' | 'cookie' | 'none' | 'login';

/**
 * Throws 403 `E_CSRF` when a cookie-authenticated unsafe request does not come from this app.
 * `httpsOnly`: cookies are `Secure` (`COOKIE_SECURE=true`), so the origin must be https too.
 */
export function checkCsrf(request: FastifyRequest, credential: CsrfCredential, httpsOnly: boolean): void {
  if (credential === 'bearer' || credential === 'none' || SAFE.has(request.method)) return;
  const login = credential === 'login';
  const site = header(request, 'sec-fetch-site');
  const origin = header(request, 'origin');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('E_CSRF', `cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  if (origin !== undefined && !sameHost(origin, request, httpsOnly)) {
    throw new AppError('E_CSRF', 'cross-origin request refused: Origin does not match this server');
  }
  if (!login && site === undefined && origin === undefined) {
    throw new AppError(
      'E_CSRF',
      'a request authenticated by the session cookie must send Origin or Sec-Fetch-Site (scripts: use an API token)',
    );
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function sameHost(origin: string, request: FastifyRequest, httpsOnly: boolean): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // includes the literal "null" of sandboxed frames and file: pages
  }
  if (httpsOnly && parsed.protocol !== 'https:') return false;
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  // Parse the Host header the same way, so `localhost:80` and `http://localhost` agree.
  let host: string;
  try {
    host = new URL(`${parsed.protocol}//${request.headers.host ?? ''}`).host;
  } catch {
    return false;
  }
  return parsed.host === host;
}
