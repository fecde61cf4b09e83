import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyncService } from '../sync/service.ts';
import { untilAsync } from '../testing/api-helpers.ts';
import { TEST_REDIS_URL } from '../testing/harness.ts';
import { BullmqJobQueue } from './bullmq-queue.ts';

const prefix = `agiletrack:test:${randomUUID()}:bull`;

afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.unlink(...keys);
  await redis.quit();
});

// The two steps, without a database: the flow's shape is what is under test.
const service = {
  fetchAndStore: async (integrationId: number) => ({ integrationId, teamId: 1, runId: 1, changed: false, items: 0 }),
  computeAndPublish: async () => ({ computed: false, metrics: null }),
} as unknown as SyncService;

describe('BullMQ job queue retention', () => {
  it('makes a result unreadable at its TTL before BullMQ removes it, and the periodic clean removes it', async () => {
    let clock = Date.now();
    const queue = new BullmqJobQueue({
      redis: TEST_REDIS_URL,
      prefix,
      resultTtlMs: 2_000,
      logger: pino({ level: 'silent' }),
      workers: { service },
      now: () => clock,
    });
    try {
      const { jobId } = await queue.enqueueSync({ integrationId: 1, teamId: 1 });
      await queue.whenIdle();
      const job = await queue.getJob(jobId);
      expect(job?.state).toBe('completed');
      // Readable until its TTL by the (fake) clock, unreadable from then on though still stored.
      clock = job!.finishedAt! + 1_999;
      expect(await queue.getJob(jobId)).toBeDefined();
      clock = job!.finishedAt! + 2_000;
      expect(await queue.getJob(jobId)).toBeUndefined();
      // No later job completes to trigger BullMQ's own removal: the clean removes both jobs of the flow.
      await untilAsync(
        async () => {
          await queue.clean();
          return !(await stored(jobId));
        },
        10_000,
        'the clean to remove the jobs',
      );
    } finally {
      await queue.close();
    }
  });
});

describe('BullMQ job queue when Redis loses its jobs', () => {
  it('keeps a running fetch going when its progress can no longer be written (Redis restarted empty)', async () => {
    const warnings: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _encoding, callback) {
          warnings.push(String(chunk));
          callback();
        },
      }),
    );
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const lostPrefix = `${prefix}-lost`;
    const steps = {
      fetchAndStore: async (integrationId: number, _jobId: string, progress: (step: string, done: number) => void) => {
        progress('fetch', 1);
        // Redis comes back empty: the job's keys are gone while the fetch still runs.
        await dropKeys(`${lostPrefix}:`);
        progress('fetch', 2);
        await released;
        return { integrationId, teamId: 1, runId: 1, changed: false, items: 0 };
      },
      computeAndPublish: async () => ({ computed: false, metrics: null }),
    } as unknown as SyncService;
    const queue = new BullmqJobQueue({ redis: TEST_REDIS_URL, prefix: lostPrefix, resultTtlMs: 60_000, logger });
    queue.startWorkers(steps);
    try {
      await queue.enqueueSync({ integrationId: 1, teamId: 1 });
      // The write of the second progress fails ("Missing key for job"): logged, not left unhandled.
      await untilAsync(
        async () => warnings.some((line) => line.includes('job progress not saved')),
        10_000,
        'the progress failure to be logged',
      );
    } finally {
      release();
      await queue.close();
    }
  });
});

async function dropKeys(pattern: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${pattern}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

async function stored(jobId: string): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*:${jobId}*`);
    return keys.length > 0;
  } finally {
    await redis.quit();
  }
}
