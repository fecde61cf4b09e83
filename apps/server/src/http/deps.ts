/** Everything the routes use, built by the composition root (`server.ts`). */
import type { Logger } from 'pino';
import type { ServerCache } from '../cache/server-cache.ts';
import type { Config } from '../config.ts';
import type { ConnectorCatalog } from '../connectors/registry.ts';
import type { AppDb, Database } from '../db/database.ts';
import type { EventHub } from '../events/event-hub.ts';
import type { JobQueue } from '../jobs/types.ts';
import type { CacheOps } from '../monitoring/ops.ts';
import type { OutboundGuard } from '../security/outbound.ts';
import type { Accounts } from '../services/accounts.ts';
import type { AuditLog } from '../services/audit.ts';
import type { GoalService } from '../services/goals.ts';
import type { IntegrationService } from '../services/integrations.ts';
import type { Invalidator } from '../services/invalidation.ts';
import type { MemberService } from '../services/members.ts';
import type { MetricsService } from '../services/metrics.ts';
import type { PasswordResets } from '../services/password-resets.ts';
import type { TeamService } from '../services/teams.ts';
import type { TokenService } from '../services/tokens.ts';
import type { UserService } from '../services/users.ts';
import type { WebhookService } from '../services/webhooks.ts';

/** See the file comment. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  database: Database;
  /** Drizzle over `database`, with hot lookups going through the query cache. */
  db: AppDb;
  serverCache: ServerCache;
  accounts: Accounts;
  teams: TeamService;
  integrations: IntegrationService;
  metrics: MetricsService;
  /** Goals on the team metrics, evaluated after syncs, and their notifications. */
  goals: GoalService;
  members: MemberService;
  users: UserService;
  /** One-time reset links and the operator's password reset. */
  passwordResets: PasswordResets;
  tokens: TokenService;
  audit: AuditLog;
  invalidator: Invalidator;
  hub: EventHub;
  /** Monitor, analytics and alerts of the cache. */
  ops: CacheOps;
  jobs: JobQueue;
  /** What the connectors may reach (checked on save and on every request). */
  outbound: OutboundGuard;
  /** The source kinds and the presets the connect form offers. */
  connectors: ConnectorCatalog;
  /** Signed deliveries from GitHub and Jira, and each integration's webhook secret. */
  webhooks: WebhookService;
}
