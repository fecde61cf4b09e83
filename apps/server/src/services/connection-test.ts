/**
 * "Test connection": one authenticated request to the repository or project an integration names,
 * through the connectors' HTTP client (so the same outbound rules apply), answered in words a user
 * can act on. Upstream bodies are never shown.
 */

import { type Cache, createCache } from '@agiletrack/cache';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import type { ConnectionTest } from '@agiletrack/domain';
import type { IntegrationKindName } from '../connectors/connector.ts';
import { ExternalClient } from '../connectors/http-client.ts';
import { connectorFor } from '../connectors/registry.ts';
import { OutboundForbiddenError, type OutboundGuard } from '../security/outbound.ts';

/** What is tested: a kind, its settings and the credentials to try. */
export interface ConnectionTarget {
  kind: IntegrationKindName;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}

/** How the test connects. */
export interface ConnectionTestOptions {
  /** The outbound policy the connectors follow (the server's). */
  guard: OutboundGuard;
  timeoutMs?: number;
}

// Responses of a test are not worth keeping: a tiny store the client requires.
let scratch: Cache | undefined;
const store = () => {
  scratch ??= createCache({ tiers: [memoryTier({ ttl: 1_000, maxEntries: 16 })], ttl: 1_000 });
  return scratch;
};

/** Runs the test; never throws for a failed connection (the answer says what failed). */
export async function testConnection(
  target: ConnectionTarget,
  options: ConnectionTestOptions,
): Promise<ConnectionTest> {
  const connector = connectorFor(target.kind);
  const { baseUrl, headers } = connector.client(target.config, target.credentials);
  const client = new ExternalClient({
    baseUrl,
    headers,
    store: store(),
    maxAttempts: 1,
    timeoutMs: options.timeoutMs ?? 5_000,
    maxDelayMs: 1_000,
    guard: options.guard,
  });
  const host = (() => {
    try {
      return new URL(baseUrl).host;
    } catch {
      return baseUrl;
    }
  })();
  const what = connector.describe(target.config);
  try {
    if (!(await connector.probe(client, target.config)))
      return { ok: false, problem: 'not_found', message: `${host} has no ${what} this account can see` };
    return { ok: true, problem: null, message: `Connected to ${host}: ${what} is readable` };
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof OutboundForbiddenError || (error as Error).cause instanceof OutboundForbiddenError) {
      return { ok: false, problem: 'refused', message: `${host} is not an address AgileTrack may connect to` };
    }
    const status = /\b(40[0-9]|4[1-9][0-9])\b/.exec(message)?.[1];
    if (status === '401' || status === '403') {
      return {
        ok: false,
        problem: 'auth',
        message: `${host} refused the credentials (${status}): check the token and its access`,
      };
    }
    if (status === '404')
      return {
        ok: false,
        problem: 'not_found',
        message: `${host} has no ${what} (404), or the token cannot see it`,
      };
    if (status) return { ok: false, problem: 'error', message: `${host} answered ${status}` };
    return { ok: false, problem: 'unreachable', message: `${host} did not answer: check the address` };
  }
}
