/**
 * The run reaper across a PostgreSQL outage (a private PostgreSQL, stopped and started by the
 * test): every heartbeat stops while the database is down, so a run still going must not be
 * judged interrupted the moment the database is back; it is judged once it had time to beat again.
 */
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppDb, type Database, openDatabase } from '../db/database.ts';
import { integrations, syncRuns, teams } from '../db/schema.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../testing/private-postgres.ts';
import { SyncRuns, startReaper } from './runs.ts';

const HEARTBEAT_MS = 400;
const STALE_AFTER_MS = 3 * HEARTBEAT_MS;
const REAP_EVERY_MS = 20;

describe('the run reaper after a database outage', () => {
  let pgServer: PrivatePostgres;
  let database: Database;
  let db: AppDb;

  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    database = await openDatabase({ url: pgServer.url });
    db = database.drizzle();
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    await pgServer?.remove();
  });

  it('lets a run that kept going beat again before judging it', async () => {
    const [team] = await db.insert(teams).values({ name: 'Outage' }).returning({ id: teams.id });
    const [integration] = await db
      .insert(integrations)
      .values({ teamId: team!.id, kind: 'github', name: 'repo', config: {}, credentialsEncrypted: 'x' })
      .returning({ id: integrations.id });
    const runs = new SyncRuns(db, HEARTBEAT_MS);
    const runId = await runs.start(integration!.id, 'job-1');
    let failedTicks = 0;
    let passes = 0;
    const requeued: number[] = [];
    const logger = pino({ level: 'warn' }, { write: () => {} });
    logger.warn = ((...args: unknown[]) => {
      if (String(args[1]).includes('check for interrupted runs failed')) failedTicks++;
    }) as typeof logger.warn;
    const stop = startReaper({
      db,
      staleAfterMs: STALE_AFTER_MS,
      everyMs: REAP_EVERY_MS,
      logger,
      requeue: async (run) => requeued.push(run.runId),
      invalidate: async () => {},
      requeueLost: async () => {
        passes++;
        return 0;
      },
    });
    try {
      await vi.waitFor(() => expect(passes).toBeGreaterThan(0), { timeout: 5_000 });
      await pgServer.stop();
      // Down for longer than the stale bound (counted in the reaper's failed checks).
      await vi.waitFor(() => expect(failedTicks).toBeGreaterThan((1.5 * STALE_AFTER_MS) / REAP_EVERY_MS), {
        timeout: 10_000,
      });
      await pgServer.start();
      const before = passes;
      await vi.waitFor(() => expect(passes).toBeGreaterThan(before + 2), { timeout: 10_000 });
      const [run] = await db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, runId));
      expect(run?.status).toBe('running');
      expect(requeued).toEqual([]);
    } finally {
      stop();
      runs.close();
    }
  });
});
