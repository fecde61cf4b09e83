/**
 * No secret in a shared cache tier: after the demo is seeded, every demo user has logged in
 * (cookie) and used an API token, and every integration has synced from the simulator, every
 * Redis key under the server's prefix (cache, tags, locks, jobs, throttling) and every row of
 * the Postgres cache table is read back, and none holds a password hash, a password, a session
 * token, an API token, an integration credential or the secret key.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createSimulator, type Simulator } from '@agiletrack/api-simulator';
import { eq, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { integrations, users } from '../db/schema.ts';
import { type DemoLogin, seedDemo } from '../demo/seed.ts';
import { demoSources } from '../demo/simulator.ts';
import { SESSION_COOKIE } from '../http/credentials.ts';
import { createServer, type Server } from '../server.ts';
import { dropRedisPrefix, TEST_DATABASE_URL, TEST_REDIS_URL } from '../testing/harness.ts';

async function redisDump(prefix: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  const out: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                    : type === 'stream'
                      ? await redis.xrange(key, '-', '+')
                      : null;
        out.push(`${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return out;
}

describe.each(['embedded', 'redis'] as const)('no secrets in shared tiers after a demo sync (%s)', (mode) => {
  let sim: Simulator;
  let server: Server;
  let logins: DemoLogin[];
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const prefix = `agiletrack:test:${randomUUID()}:`;
  const secretKey = randomBytes(32).toString('base64');
  const secrets = new Map<string, string>(); // value → what it is

  beforeAll(async () => {
    sim = await createSimulator({
      seed: 7,
      size: { repos: 3, projects: 3, start: new Date(Date.now() - 14 * 86_400_000).toISOString(), days: 14 },
    });
    server = await createServer({
      config: loadConfig({
        LOG_LEVEL: 'silent',
        SECRET_KEY: secretKey,
        REDIS_PREFIX: prefix,
        DATA_DIR: '/nonexistent-test-data-dir',
        SIMULATOR_URL: sim.url,
        ...(mode === 'redis' && { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL }),
      }),
      logger: pino({ level: 'silent' }),
      schema,
      inMemory: mode === 'embedded',
      scheduler: false,
    });
    const { deps, app } = server;
    const seeded = await seedDemo({
      db: deps.db,
      accounts: deps.accounts,
      teams: deps.teams,
      integrations: deps.integrations,
      simulatorUrl: sim.url,
      sources: demoSources(sim),
    });
    logins = seeded!;
    for (const login of logins) secrets.set(login.password, `the password of ${login.email}`);
    for (const source of demoSources(sim)) {
      secrets.set(source.github.token, 'a GitHub token');
      secrets.set(source.jira.apiToken, 'a Jira API token');
      secrets.set(Buffer.from(`${source.jira.email}:${source.jira.apiToken}`).toString('base64'), 'Jira Basic auth');
    }
    secrets.set(secretKey, 'SECRET_KEY');

    // Every user: a cookie session and an API token, each used on the dashboard's reads.
    const credentials: Record<string, string>[] = [];
    for (const login of logins) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: login.email, password: login.password },
      });
      expect(response.statusCode).toBe(200);
      const session = response.cookies.find((c) => c.name === SESSION_COOKIE)!.value;
      secrets.set(session, `the session token of ${login.email}`);
      const userId = (response.json() as { user: { userId: number } }).user.userId;
      const token = await deps.accounts.createApiToken(userId, 'scan');
      secrets.set(token, `the API token of ${login.email}`);
      credentials.push({ cookie: `${SESSION_COOKIE}=${session}` }, { authorization: `Bearer ${token}` });
    }
    const read = async () => {
      for (const headers of credentials) {
        const teams = await app.inject({ method: 'GET', url: '/api/teams', headers });
        for (const team of (teams.json() as { teams: { id: number }[] }).teams) {
          await app.inject({ method: 'GET', url: `/api/teams/${team.id}/metrics`, headers });
          await app.inject({ method: 'GET', url: `/api/teams/${team.id}/integrations`, headers });
        }
        await app.inject({ method: 'GET', url: '/api/me', headers });
      }
    };
    await read();

    // Sync every integration and wait for every job. One GitHub integration reads over REST, whose
    // answers are stored with their ETags: the scan must see those stored responses too.
    const rows = await deps.db
      .select({ id: integrations.id, teamId: integrations.teamId, kind: integrations.kind })
      .from(integrations);
    const overRest = rows.find((row) => row.kind === 'github');
    if (overRest) {
      await deps.db
        .update(integrations)
        .set({ config: sql`${integrations.config} || '{"api":"rest"}'::jsonb` })
        .where(eq(integrations.id, overRest.id));
    }
    const jobIds: string[] = [];
    for (const row of rows) {
      jobIds.push((await deps.jobs.enqueueSync({ integrationId: row.id, teamId: row.teamId })).jobId);
    }
    const deadline = Date.now() + 90_000;
    for (const jobId of jobIds) {
      for (;;) {
        const job = await deps.jobs.getJob(jobId);
        if (job?.state === 'completed') break;
        if (job?.state === 'failed') throw new Error(`sync failed: ${job.failedReason}`);
        if (Date.now() > deadline) throw new Error(`sync ${jobId} still ${job?.state}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    await read();
    for (const row of await deps.db.select({ hash: users.passwordHash }).from(users)) {
      secrets.set(row.hash, 'a password hash');
    }
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await sim?.close();
    if (mode === 'redis') {
      await dropRedisPrefix(prefix);
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    }
  });

  it('finds none of them in any key or value', async () => {
    const dump =
      mode === 'redis'
        ? await redisDump(prefix)
        : (await server.deps.database.sql.query('SELECT * FROM agiletrack_cache')).rows.map((row) =>
            JSON.stringify(row),
          );
    // The scan saw the caches filled: principals, query results, team data and stored responses.
    const text = dump.join('\n');
    expect(text).toMatch(/auth:session_/);
    expect(text).toMatch(/auth:token_/);
    expect(text).toMatch(/db:q_/);
    expect(text).toMatch(/team_\d+_metrics/);
    expect(text).toMatch(/ext:i\d+:r_/);
    const found = [...secrets].filter(([value]) => text.includes(value)).map(([, what]) => what);
    if (text.includes('scrypt$')) found.push('a scrypt$ password hash');
    expect(found).toEqual([]);
  });
});
