/**
 * Webhook signatures as GitHub (`X-Hub-Signature-256`) and Jira admin webhooks (`X-Hub-Signature`)
 * send them: `sha256=` and the hex HMAC-SHA256 of the exact body bytes with the shared secret,
 * compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature a sender with `secret` puts on `body`. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `header` is the signature of `body` with `secret` (false for a missing or malformed one). */
export function signatureMatches(header: string | undefined, body: Buffer, secret: string): boolean {
  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/i.test(header.trim())) return false;
  const expected = Buffer.from(signBody(secret, body).slice('sha256='.length), 'hex');
  const given = Buffer.from(header.trim().slice('sha256='.length).toLowerCase(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
