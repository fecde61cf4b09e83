/**
 * How a request carries its credentials: the session cookie or an `Authorization: Bearer` token.
 * The server reads and writes one cookie, so it parses it here (with `cookie`) rather than through
 * a cookie plugin whose hooks would run on every request and every response.
 */
import { parse, serialize } from 'cookie';
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
  return header === undefined ? undefined : parse(header)[SESSION_COOKIE];
}

/** Sets the session cookie: httpOnly, `SameSite=Lax`, the whole site, for `maxAgeS` seconds. */
export function setSessionCookie(reply: FastifyReply, token: string, options: { secure: boolean; maxAgeS: number }) {
  reply.header(
    'Set-Cookie',
    serialize(SESSION_COOKIE, token, {
      maxAge: options.maxAgeS,
      path: '/',
      httpOnly: true,
      secure: options.secure,
      sameSite: 'lax',
    }),
  );
}

/** Tells the browser to drop the session cookie. */
export function clearSessionCookie(reply: FastifyReply): void {
  reply.header(
    'Set-Cookie',
    serialize(SESSION_COOKIE, '', { maxAge: 0, expires: new Date(0), path: '/', httpOnly: true, sameSite: 'lax' }),
  );
}
