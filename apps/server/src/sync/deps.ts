/**
 * What a sync needs from the composition root: a narrow set, so the sync depends on the services
 * it uses and not on the HTTP layer's whole dependency bag (which satisfies it as it is).
 */
import type { Logger } from 'pino';
import type { ServerCache } from '../cache/server-cache.ts';
import type { Config } from '../config.ts';
import type { AppDb } from '../db/database.ts';
import type { OutboundGuard } from '../security/outbound.ts';
import type { GoalService } from '../services/goals.ts';
import type { IntegrationService } from '../services/integrations.ts';
import type { Invalidator } from '../services/invalidation.ts';
import type { MetricsService } from '../services/metrics.ts';

/** See the file comment. */
export interface SyncDeps {
  config: Config;
  logger: Logger;
  db: AppDb;
  serverCache: ServerCache;
  integrations: IntegrationService;
  metrics: MetricsService;
  goals: GoalService;
  invalidator: Invalidator;
  /** What the connectors may reach (checked on every request). */
  outbound: OutboundGuard;
}
