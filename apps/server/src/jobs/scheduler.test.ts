import { describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/harness.ts';
import { enqueueDueSyncs, stableJobId } from './scheduler.ts';
import type { JobQueue } from './types.ts';

describe('periodic syncs', () => {
  it('derives one UUID-shaped job id per integration and period', () => {
    expect(stableJobId('sync:1:60:100')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableJobId('sync:1:60:100')).toBe(stableJobId('sync:1:60:100'));
    expect(stableJobId('sync:1:60:101')).not.toBe(stableJobId('sync:1:60:100'));
  });

  it('enqueues each due integration once per period, however many processes check', async () => {
    const t = await startTestServer('embedded');
    try {
      const asked: string[] = [];
      const seen = new Set<string>();
      const jobs: JobQueue = {
        enqueueSync: async (_data, options) => {
          asked.push(options!.jobId!);
          seen.add(options!.jobId!);
          return { jobId: options!.jobId! };
        },
        getJob: async () => undefined,
        close: async () => {},
      };
      const { db, integrations, logger } = t.server.deps;
      await integrations.updateIntegration(t.ids.integrationA, { syncIntervalMinutes: 60 });
      const now = Date.parse('2026-11-24T10:30:00Z');
      // Two processes checking in the same hour, then one in the next hour.
      await enqueueDueSyncs({ db, jobs, logger, now: () => now });
      await enqueueDueSyncs({ db, jobs, logger, now: () => now + 60_000 });
      await enqueueDueSyncs({ db, jobs, logger, now: () => now + 3_600_000 });
      expect(asked).toHaveLength(3); // only integration A has an interval
      expect(seen.size).toBe(2); // the first two share the period's id
    } finally {
      await t.close();
    }
  });
});
