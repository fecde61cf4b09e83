/**
 * Test servers in the three configurations the suite runs in: embedded (PGlite in
 * memory, Postgres-table L2), PostgreSQL without Redis, PostgreSQL with Redis. Each server gets
 * its own PostgreSQL schema and Redis prefix, so test files run in parallel without sharing state;
 * a second instance can join the same schema and prefix to test cross-instance behaviour.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../config.ts';
import { createServer, type Server, type ServerOptions } from '../server.ts';
import { pgliteTemplate, TEMPLATE_SCHEMA } from './pglite-template.ts';

/** The three configurations. */
export type TestMode = 'embedded' | 'postgres' | 'redis';

/** Every configuration, for `describe.each`. */
export const TEST_MODES: readonly TestMode[] = ['embedded', 'postgres', 'redis'];

/** The PostgreSQL and Redis the tests use (loopback services). */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What the outbound policy allows in tests: the simulators listen on loopback. */
export const TEST_OUTBOUND_ALLOW = '127.0.0.1/32';

/** The users every test server starts with. */
export type TestUser = 'admin' | 'alice' | 'bob';

/** A running test server with seeded data: alice is in team A, bob in team B. */
export interface TestServer {
  readonly mode: TestMode;
  readonly server: Server;
  readonly schema: string;
  readonly prefix: string;
  readonly secretKey: string;
  readonly tokens: Record<TestUser, string>;
  readonly ids: {
    admin: number;
    alice: number;
    bob: number;
    teamA: number;
    teamB: number;
    integrationA: number;
    integrationB: number;
  };
  /** Statements the application sent to the database so far. */
  queries(): number;
  /** `app.inject` as a user (bearer token), or anonymous with `as: null`. */
  request(options: InjectOptions & { as?: TestUser | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Options for a second instance joining an existing one. */
export interface JoinOptions {
  join?: TestServer;
  jobs?: ServerOptions['jobs'];
  sync?: ServerOptions['sync'];
  env?: Record<string, string>;
  /** Start with an empty database (no users, teams or integrations). */
  empty?: boolean;
  /** The clock of sessions and login throttling. */
  now?: ServerOptions['now'];
  /** The outbound policy (a test resolver for names). */
  outbound?: ServerOptions['outbound'];
  /** Warm the cache in the background at start (see `server.deps.ops.warmer.done`). */
  warm?: boolean;
  /** Retries of goal notifications (tests do not wait between them). */
  notifier?: ServerOptions['notifier'];
  /** Look for interrupted sync runs (off by default: it would add queries to counted reads). */
  reaper?: boolean;
}

const silent = pino({ level: 'silent' });

/** Deletes every key under `prefix` in the test Redis (SCAN + UNLINK). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** Starts a server in `mode`, seeded (or joined to `options.join`'s database and cache). */
export async function startTestServer(mode: TestMode, options: JoinOptions = {}): Promise<TestServer> {
  const join = options.join;
  // An embedded server owns its database: it starts from the migrated template when there is one.
  const snapshot = mode === 'embedded' ? await pgliteTemplate() : undefined;
  const schema = join?.schema ?? (snapshot ? TEMPLATE_SCHEMA : `t_${randomBytes(6).toString('hex')}`);
  const prefix = join?.prefix ?? `agiletrack:test:${randomUUID()}:`;
  const secretKey = join?.secretKey ?? randomBytes(32).toString('base64');
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    SECRET_KEY: secretKey,
    REDIS_PREFIX: prefix,
    DATA_DIR: '/nonexistent-test-data-dir',
    // The tests' simulators listen on loopback; tests of the outbound policy override this.
    OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW,
    // Tests start their syncs themselves, so request counts are theirs alone.
    SYNC_ON_CONNECT: 'false',
    // A shared-tier call on a loaded test machine can take longer than the production deadline
    // (50 ms) and would then read as a miss; tests of deadlines and breakers set their own.
    CACHE_TIER_DEADLINE_MS: '2000',
    ...options.env,
  };
  if (mode !== 'embedded') env.DATABASE_URL = TEST_DATABASE_URL;
  if (mode === 'redis') env.REDIS_URL ??= TEST_REDIS_URL;
  if (mode === 'embedded' && join) throw new Error('embedded servers cannot share a database');
  const server = await createServer({
    config: loadConfig(env),
    logger: silent,
    schema,
    inMemory: mode === 'embedded',
    databaseSnapshot: snapshot,
    ...(options.jobs && { jobs: options.jobs }),
    ...(options.sync && { sync: options.sync }),
    ...(options.now && { now: options.now }),
    ...(options.outbound && { outbound: options.outbound }),
    ...(options.warm && { warm: true }),
    ...(options.notifier && { notifier: options.notifier }),
    scheduler: false,
    reaper: options.reaper ?? false,
  });
  const { accounts, teams, integrations } = server.deps;

  let tokens = join?.tokens;
  let ids = join?.ids;
  if (!tokens || !ids) {
    const admin = await accounts.createUser({
      email: 'admin@test.local',
      name: 'Admin',
      password: 'admin-password-1',
      role: 'admin',
    });
    const alice = await accounts.createUser({
      email: 'alice@test.local',
      name: 'Alice',
      password: 'alice-password-1',
      role: 'member',
    });
    const bob = await accounts.createUser({
      email: 'bob@test.local',
      name: 'Bob',
      password: 'bob-password-1',
      role: 'member',
    });
    const teamA = await teams.createTeam({ name: 'Team A', description: 'alpha', memberIds: [alice] });
    const teamB = await teams.createTeam({ name: 'Team B', description: 'beta', memberIds: [bob] });
    const integrationA = await integrations.createIntegration(teamA.id, {
      kind: 'github',
      name: 'A repo',
      config: { owner: 'acme', repo: 'alpha', baseUrl: 'http://127.0.0.1:9' },
      credentials: { token: 'ghp_SECRET_A_never_returned' },
    });
    const integrationB = await integrations.createIntegration(teamB.id, {
      kind: 'jira',
      name: 'B board',
      config: { baseUrl: 'http://127.0.0.1:9', projectKey: 'BETA', boardId: 1, email: 'bob@test.local' },
      credentials: { apiToken: 'jira_SECRET_B_never_returned' },
    });
    tokens = {
      admin: await accounts.createApiToken(admin, 'tests'),
      alice: await accounts.createApiToken(alice, 'tests'),
      bob: await accounts.createApiToken(bob, 'tests'),
    };
    ids = {
      admin,
      alice,
      bob,
      teamA: teamA.id,
      teamB: teamB.id,
      integrationA: integrationA.id,
      integrationB: integrationB.id,
    };
  }
  const owned = !join;
  const finalTokens = tokens;
  return {
    mode,
    server,
    schema,
    prefix,
    secretKey,
    tokens: finalTokens,
    ids,
    queries: () => server.deps.database.queryCount(),
    request: ({ as = 'admin', ...inject }) => {
      const headers = { ...(inject.headers as Record<string, string> | undefined) };
      if (as) headers.authorization = `Bearer ${finalTokens[as]}`;
      return server.app.inject({ ...inject, headers });
    },
    async close() {
      await server.close();
      if (owned && mode === 'redis') {
        // Everything this server wrote under its prefix: cache entries, tags, locks, BullMQ keys.
        await dropRedisPrefix(prefix);
      }
      if (owned && mode !== 'embedded') {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
      }
    },
  };
}
