/**
 * How a request carries its credentials: the session cookie or an `Authorization: Bearer` token.
 * The server reads and writes one cookie, so it does it here rather than through a cookie plugin
 * whose hooks would run on every request and every response.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The session cookie's name. */
export const SESSION_COOKIE = 'agiletrack_session';

/** The bearer token of a request, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The session cookie's value (the first one, as browsers send the most specific first), if any. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/** Sets the session cookie: httpOnly, `SameSite=Lax`, the whole site, for `maxAgeS` seconds. */
export function setSessionCookie(reply: FastifyReply, token: string, options: { secure: boolean; maxAgeS: number }) {
  const attributes = [`Max-Age=${options.maxAgeS}`, 'Path=/', 'HttpOnly', ...(options.secure ? ['Secure'] : [])];
  reply.header('Set-Cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; ${attributes.join('; ')}; SameSite=Lax`);
}

/** Tells the browser to drop the session cookie. */
export function clearSessionCookie(reply: FastifyReply): void {
  reply.header(
    'Set-Cookie',
    `${SESSION_COOKIE}=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`,
  );
}
