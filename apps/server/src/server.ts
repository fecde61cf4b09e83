/**
 * The composition root: opens the database, builds the cache for the configured mode, the
 * services, the job queue and the HTTP app. `main.ts` runs it; tests build it with overrides.
 */
import { drizzleCache } from '@agiletrack/cache/adapters/drizzle';
import { parseClusterNodes } from '@agiletrack/cache/redis';
import { CACHE_NAMESPACES, cacheKeys, resolvePolicy } from '@agiletrack/domain';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { createServerCache, type ServerCache } from './cache/server-cache.ts';
import { type Config, outboundAllow, staleAfter } from './config.ts';
import { ConnectorCatalog } from './connectors/registry.ts';
import { type Database, openDatabase } from './db/database.ts';
import { EventHub } from './events/event-hub.ts';
import { buildApp } from './http/app.ts';
import type { AppDeps } from './http/deps.ts';
import { BullmqJobQueue } from './jobs/bullmq-queue.ts';
import { databaseJobStore } from './jobs/job-store.ts';
import { MemoryJobQueue } from './jobs/memory-queue.ts';
import { stableJobId, startScheduler } from './jobs/scheduler.ts';
import type { JobQueue } from './jobs/types.ts';
import { createCacheOps } from './monitoring/ops.ts';
import { LoginThrottle, memoryThrottleStore, redisThrottleStore } from './security/login-throttle.ts';
import { OutboundGuard } from './security/outbound.ts';
import { outboundFetch } from './security/outbound-fetch.ts';
import { CredentialVault, loadSecretKeys } from './security/secrets.ts';
import { Accounts } from './services/accounts.ts';
import { AuditLog } from './services/audit.ts';
import { GoalService } from './services/goals.ts';
import { resealLegacyCredentials } from './services/integration-credentials.ts';
import { IntegrationService } from './services/integrations.ts';
import { Invalidator } from './services/invalidation.ts';
import { MemberService } from './services/members.ts';
import { MetricsService } from './services/metrics.ts';
import { Notifier, type NotifierOptions } from './services/notifier.ts';
import { PasswordResets } from './services/password-resets.ts';
import { TeamService } from './services/teams.ts';
import { TokenService } from './services/tokens.ts';
import { UserService } from './services/users.ts';
import { WebhookService } from './services/webhooks.ts';
import { syncProcessor } from './sync/processor.ts';
import { DurableSyncQueue } from './sync/requests.ts';
import { type InterruptedRun, reapInterruptedRuns, startReaper } from './sync/runs.ts';
import { type SyncOptions, SyncService } from './sync/service.ts';

/** A built server. */
export interface Server {
  readonly app: FastifyInstance;
  readonly deps: AppDeps;
  close(): Promise<void>;
}

/** Overrides for tests and tools. */
export interface ServerOptions {
  config: Config;
  logger?: Logger;
  /** PostgreSQL schema (tests isolate themselves with one each). */
  schema?: string;
  /** PGlite in memory instead of DATA_DIR (tests). */
  inMemory?: boolean;
  /** A database dump to start from: in memory, or in a data directory without a database yet (the build's template). */
  databaseSnapshot?: Blob | undefined;
  /** A ready job queue (tests); default: BullMQ with Redis, in-process without. */
  jobs?: (deps: Omit<AppDeps, 'jobs'>) => JobQueue | Promise<JobQueue>;
  /** Sync options (tests: fake clock, short backoff). */
  sync?: SyncOptions;
  /** Retries of goal notifications (tests do not wait between them). */
  notifier?: NotifierOptions;
  /** Start job workers even when `RUN_WORKER=false` (the worker process). */
  forceWorkers?: boolean;
  /** Warm the hot keys in the background once built (`npm start`; default off). */
  warm?: boolean;
  /** Check for due periodic syncs (default: where workers run). */
  scheduler?: boolean;
  /** The clock of sessions and login throttling (tests move it by hand). */
  now?: () => number;
  /** The connectors' outbound policy (tests resolve names without DNS). @default from OUTBOUND_ALLOW */
  outbound?: OutboundGuard;
  /** Look for interrupted sync runs periodically. @default true */
  reaper?: boolean;
  /** How long `close()` waits for running syncs before abandoning them. @default 1_000 */
  shutdownGraceMs?: number;
}

/** Builds everything; the app is not listening yet. */
export async function createServer(options: ServerOptions): Promise<Server> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.LOG_LEVEL, base: undefined });
  const database: Database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: options.inMemory ? undefined : config.DATA_DIR,
    schema: options.schema ?? config.DATABASE_SCHEMA,
    snapshot: options.databaseSnapshot,
  });
  const vault = new CredentialVault(loadSecretKeys(config));
  let serverCache: ServerCache | undefined;
  try {
    serverCache = await createServerCache({ config, database, encryptor: vault.encryptor, logger });
  } catch (error) {
    await database.close();
    throw error;
  }
  // Hot lookups marked `.$withCache()` go through the same tiers; writes drop them by table tag.
  const db = database.drizzle({
    cache: drizzleCache(serverCache.cache.namespace(CACHE_NAMESPACES.queries), { ttl: config.CACHE_L2_TTL_MS }),
  });
  // Credentials stored before they were bound to their origin are sealed again, once.
  const resealed = await resealLegacyCredentials(db, vault);
  if (resealed > 0) logger.info({ integrations: resealed }, 'credentials re-sealed for their origin');
  const hub = new EventHub(serverCache.topics, logger);
  await hub.start();
  // Serve only once the bus listens, so no invalidation or event from another instance is missed.
  await serverCache.cache
    .ready()
    .catch((error: Error) => logger.warn({ err: error.message }, 'invalidation bus not subscribed yet'));
  const ops = createCacheOps({ config, serverCache, hub, logger });
  await ops.analytics.start();
  const throttle = new LoginThrottle({
    store: serverCache.redis
      ? redisThrottleStore(serverCache.redis, `${config.REDIS_PREFIX}login:`)
      : memoryThrottleStore(),
    maxPerAccount: config.LOGIN_MAX_FAILURES,
    accountFreeAttempts: config.LOGIN_ACCOUNT_FREE_ATTEMPTS,
    accountMaxDelayMs: config.LOGIN_ACCOUNT_MAX_DELAY_MS,
    maxPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
    windowMs: config.LOGIN_WINDOW_MS,
    ...(options.now && { now: options.now }),
  });
  const accounts = new Accounts(db, serverCache.auth, config.SESSION_TTL_MS, options.now, throttle);
  const invalidator = new Invalidator(serverCache.cache, hub);
  // Task results (metrics) live exactly JOB_RESULT_TTL_MS in L2: a task result expires with its job.
  const policy = resolvePolicy({
    integrationMetrics: { l2TtlMs: config.JOB_RESULT_TTL_MS },
    teamMetrics: { l2TtlMs: config.JOB_RESULT_TTL_MS },
  });
  const teams = new TeamService(db, serverCache.cache, invalidator, accounts, policy);
  const outbound = options.outbound ?? new OutboundGuard({ allow: outboundAllow(config) });
  const integrations = new IntegrationService(db, serverCache.cache, invalidator, vault, teams, policy, outbound);
  const metrics = new MetricsService(db, serverCache.cache, teams, policy, config.SYNC_HEARTBEAT_MS);
  const notifier = new Notifier(db, vault.encryptor, outbound, outboundFetch(outbound), logger, options.notifier);
  const goals = new GoalService(db, metrics, invalidator, notifier, options.now);
  const metricsNow = config.METRICS_NOW ? Date.parse(config.METRICS_NOW) : undefined;
  const syncOptions: SyncOptions = { ...(metricsNow !== undefined && { now: () => metricsNow }), ...options.sync };
  const users = new UserService(db, accounts);
  const passwordResets = new PasswordResets(db, accounts, config.PASSWORD_RESET_TTL_MS, options.now);
  const tokens = new TokenService(db, accounts);
  const audit = new AuditLog(db);
  const members = new MemberService(db, accounts, invalidator);
  // A webhook delivery syncs its integration at once, with the sync service built below.
  const webhooks = new WebhookService(
    db,
    vault,
    (integration, jobId) => syncService.syncOnce(integration.id, jobId),
    logger,
  );
  const base = {
    config,
    logger,
    database,
    db,
    serverCache,
    accounts,
    teams,
    integrations,
    metrics,
    goals,
    members,
    users,
    passwordResets,
    tokens,
    audit,
    invalidator,
    hub,
    outbound,
    connectors: new ConnectorCatalog(),
    webhooks,
    ops,
  };
  const runWorkers = config.RUN_WORKER || options.forceWorkers === true;
  const syncService = new SyncService(base, syncOptions);
  // One PGlite process owns its data directory: whatever it finds running was interrupted.
  const soleProcess = database.kind === 'pglite' && !options.inMemory;
  let queue: JobQueue;
  if (options.jobs) queue = await options.jobs(base);
  else if (config.REDIS_URL || config.REDIS_CLUSTER_NODES) {
    queue = new BullmqJobQueue({
      redis: config.REDIS_CLUSTER_NODES ? parseClusterNodes(config.REDIS_CLUSTER_NODES) : config.REDIS_URL!,
      prefix: `${config.REDIS_PREFIX}bull`,
      resultTtlMs: config.JOB_RESULT_TTL_MS,
      logger,
      workers: runWorkers ? { service: syncService } : undefined,
    });
  } else {
    queue = new MemoryJobQueue({
      processor: syncProcessor(syncService),
      resultTtlMs: config.JOB_RESULT_TTL_MS,
      store: soleProcess ? databaseJobStore(db) : undefined,
      onStoreError: (error) => logger.warn({ err: error.message }, 'jobs: could not store a job'),
    });
  }
  // A requested sync is recorded before it is queued; the queue only makes it start sooner.
  const jobs = new DurableSyncQueue(queue, {
    db,
    logger,
    resultTtlMs: config.JOB_RESULT_TTL_MS,
    lostAfterMs: staleAfter(config.SYNC_HEARTBEAT_MS),
    onQueued: (integrationId) => serverCache.cache.delete(cacheKeys.lastSync(integrationId)),
  });
  // A sync whose process died is marked failed ("interrupted") and queued again, once, with its
  // options; requested syncs the queue lost are queued again.
  const reap = {
    db,
    requeue: (run: InterruptedRun) => jobs.requeueRun(run, stableJobId(`resync:${run.runId}`)),
    invalidate: (run: { integrationId: number; teamId: number }) =>
      invalidator.after({ type: 'integration.synced', integrationId: run.integrationId, teamId: run.teamId }),
    requeueLost: () => jobs.requeueLost(),
  };
  if (soleProcess) await reapInterruptedRuns({ ...reap, staleAfterMs: 0 });
  if (queue instanceof MemoryJobQueue) await queue.recover();
  const stopReaper =
    options.reaper !== false
      ? startReaper({
          ...reap,
          staleAfterMs: staleAfter(config.SYNC_HEARTBEAT_MS),
          everyMs: config.SYNC_HEARTBEAT_MS,
          logger,
        })
      : () => {};
  const deps: AppDeps = { ...base, jobs };
  const app = await buildApp(deps);
  if (options.warm) {
    ops.warmer.start({ teams, integrations, metrics }, logger, {
      maxTeams: config.CACHE_WARM_MAX_TEAMS,
      concurrency: config.CACHE_WARM_CONCURRENCY,
    });
  }
  // Periodic syncs are scheduled by whichever processes run workers; job ids make them agree.
  const stopScheduler = runWorkers && options.scheduler !== false ? startScheduler({ db, jobs, logger }) : () => {};

  let closing: Promise<void> | undefined;
  const close = async () => {
    // Each step has a deadline and its failure is logged, never thrown: whatever hangs or fails,
    // the database is closed last (PGlite checkpoints and marks its files shut down).
    const step = async (name: string, run: () => Promise<unknown> | unknown, ms = 5_000) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(run),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`took longer than ${ms} ms`)), ms);
          }),
        ]);
      } catch (error) {
        logger.warn({ step: name, err: (error as Error).message }, 'shutdown: a step did not finish');
      } finally {
        clearTimeout(timer);
      }
    };
    stopScheduler();
    stopReaper();
    // Stop accepting; event streams end (preClose); requests under way finish.
    await step('http', () => app.close());
    // Running syncs get a moment to finish; those that cannot are ended cleanly and queued again.
    await step('syncs', async () => {
      const finished = (await jobs.stop?.(options.shutdownGraceMs ?? 1_000)) ?? true;
      if (finished) return;
      for (const run of await syncService.runs.abandon().catch(() => [])) {
        await reap.invalidate(run).catch(() => {});
        await reap.requeue(run).catch(() => {});
      }
    });
    syncService.runs.close();
    await step('jobs', () => jobs.close());
    // Goal notifications under way get their bounded moment, like syncs (their outcome is recorded).
    await step('notifications', () => notifier.idle());
    await step('cache operations', () => ops.close());
    await step('events', () => hub.close());
    await step('cache', () => serverCache!.close());
    await step('database', () => database.close(), 30_000);
  };
  return {
    app,
    deps,
    close() {
      closing ??= close();
      return closing;
    },
  };
}
