/**
 * For connector fixture tests: a connector's HTTP client pointed at a simulator (responses kept
 * in memory), and a full fetch whose items come back sorted, so a test compares work items only.
 */
import { createCache } from '@agiletrack/cache';
import { memoryTier } from '@agiletrack/cache/tiers/memory';
import { OutboundGuard, parseAllowList } from '../security/outbound.ts';
import type { ConnectorConfig } from './connector.ts';
import { ExternalClient } from './http-client.ts';
import { connectorFor } from './registry.ts';
import type { FetchResult, SyncContext, WorkItemInput } from './types.ts';

/** The client a sync would build for `kind`, against a loopback simulator. */
export function fixtureClient(
  kind: 'github' | 'jira',
  config: ConnectorConfig,
  credentials: Record<string, string>,
): ExternalClient {
  return new ExternalClient({
    ...connectorFor(kind).client(config, credentials),
    store: createCache({ tiers: [memoryTier({ ttl: 60_000, maxEntries: 10_000 })], ttl: 60_000 }),
    guard: new OutboundGuard({ allow: parseAllowList('127.0.0.1/32') }),
    baseDelayMs: 1,
  });
}

/** A first (full) sync's context. */
export const FULL: SyncContext = { full: true, cursor: null, known: async () => new Map() };

/** Runs a connector's fetch; items sorted by kind and id. */
export async function fetchAll(
  kind: 'github' | 'jira',
  config: ConnectorConfig,
  credentials: Record<string, string>,
  ctx: SyncContext = FULL,
): Promise<FetchResult & { client: ExternalClient }> {
  const client = fixtureClient(kind, config, credentials);
  const result = await connectorFor(kind).fetch(client, config, ctx, () => {});
  const key = (i: WorkItemInput) => `${i.kind}:${i.externalId.padStart(12, '0')}`;
  return { ...result, items: [...result.items].sort((a, b) => key(a).localeCompare(key(b))), client };
}
