/**
 * The contract of a source plugin. Everything that differs between GitHub, Jira or a third source
 * lives behind one {@link Connector} object under `connectors/<kind>/`, found by kind in the
 * registry; nothing outside this folder branches on an integration's kind.
 */
import type { ConnectorInfo, IntegrationKind } from '@agiletrack/domain';
import type { z } from 'zod';
import type { MetricIndex } from '../metrics/samples.ts';
import type { ExternalClient } from './http-client.ts';
import type { ClientSettings, FetchResult, MetricItem, Progress, SyncContext } from './types.ts';

/** The kinds of integration (`github`, `jira`). */
export type IntegrationKindName = z.infer<typeof IntegrationKind>;

/** A stored integration's settings, as validated by the connector's config schema. */
export type ConnectorConfig = Record<string, unknown>;

/** One source kind. */
export interface Connector {
  readonly kind: IntegrationKindName;
  /** The connect form the dashboard renders (presets are added by the catalog). */
  readonly form: Omit<ConnectorInfo, 'presets'>;
  /** The request schemas of its config and credentials (from the domain). */
  readonly schemas: {
    readonly config: z.ZodType<ConnectorConfig>;
    readonly credentials: z.ZodType<Record<string, string>>;
  };
  /** Where requests (and so credentials) go: the origin of the configured or default address. */
  origin(config: ConnectorConfig): string;
  /** Base address, auth headers and failure wording for the HTTP client. */
  client(config: ConnectorConfig, credentials: Record<string, string>): ClientSettings;
  /** `repository acme/web`, `project ENG`: what the integration reads, in words. */
  describe(config: ConnectorConfig): string;
  /** "Test connection": one request; true when the repository or project is there and readable. */
  probe(client: ExternalClient, config: ConnectorConfig): Promise<boolean>;
  /** What changed since the context's cursor (everything on a full sync). */
  fetch(client: ExternalClient, config: ConnectorConfig, ctx: SyncContext, progress: Progress): Promise<FetchResult>;
  /** Indexes the integration's items for its metrics. */
  metrics(items: readonly MetricItem[]): MetricIndex;
  /** How the source's webhooks arrive. */
  readonly webhook: ConnectorWebhook;
}

/** A source's webhooks: signed with `sha256=<hex>` HMAC-SHA256 of the raw body in `signatureHeader`. */
export interface ConnectorWebhook {
  /** The route deliveries arrive on. */
  readonly route: 'webhooks.github' | 'webhooks.jira';
  /** Lower-case header names. */
  readonly signatureHeader: string;
  readonly deliveryHeader: string;
  /** The events to subscribe to. */
  readonly events: readonly string[];
  /** The event a delivery reports. */
  event(headers: Readonly<Record<string, string | string[] | undefined>>, body: unknown): string;
  /** Whether the event can change what is stored (a ping or an unsubscribed event cannot). */
  relevant(event: string, body: unknown): boolean;
}
