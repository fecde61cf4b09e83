import { describe, expect, it } from 'vitest';
import { gate } from '../testing/api-helpers.ts';
import type { JobStore } from './job-store.ts';
import { MemoryJobQueue } from './memory-queue.ts';
import type { JobView } from './types.ts';

/** A store in a Map, standing in for the database table across "restarts". */
function mapStore(): JobStore & { rows: Map<string, JobView> } {
  const rows = new Map<string, JobView>();
  return {
    rows,
    load: async () => [...rows.values()].map((job) => ({ ...job })),
    save: async (job) => {
      rows.set(job.id, { ...job });
    },
    remove: async (ids) => {
      for (const id of ids) rows.delete(id);
    },
  };
}

const data = { integrationId: 1, teamId: 1 };

describe('in-process job queue', () => {
  it('makes a result unreadable at its TTL even before the clean, and the clean removes it (fake clock)', async () => {
    let clock = 1_000_000;
    const store = mapStore();
    const queue = new MemoryJobQueue({ processor: async () => 'done', resultTtlMs: 5_000, store, now: () => clock });
    await queue.recover();
    const { jobId } = await queue.enqueueSync(data);
    await queue.whenIdle();
    expect((await queue.getJob(jobId))?.state).toBe('completed');
    clock += 4_999;
    expect(await queue.getJob(jobId)).toBeDefined();
    clock += 1;
    expect(await queue.getJob(jobId)).toBeUndefined();
    expect(store.rows.has(jobId)).toBe(true); // not cleaned yet: unreadable all the same
    expect(queue.clean()).toBe(1);
    await queue.close();
    expect(store.rows.has(jobId)).toBe(false);
  });

  it('loses no job across a crash: waiting jobs and the one that was running run after recover()', async () => {
    const store = mapStore();
    const running = gate<void>();
    const seen: string[] = [];
    const crashed = new MemoryJobQueue({
      processor: async (job) => {
        seen.push(`first:${job.id}`);
        await running.promise; // never released: the process "dies" mid-job
      },
      store,
    });
    await crashed.recover();
    const a = await crashed.enqueueSync({ integrationId: 1, teamId: 1 });
    const b = await crashed.enqueueSync({ integrationId: 2, teamId: 1 });
    expect(seen).toEqual([`first:${a.jobId}`]);
    await crashed.stop(0); // what a crash leaves behind, written down
    await crashed.close();

    const restarted = new MemoryJobQueue({
      processor: async (job) => {
        seen.push(`second:${job.id}:${job.attempt}`);
        return 'ok';
      },
      store,
    });
    await restarted.recover();
    await restarted.whenIdle();
    expect(seen).toEqual([`first:${a.jobId}`, `second:${a.jobId}:2`, `second:${b.jobId}:1`]);
    expect((await restarted.getJob(a.jobId))?.state).toBe('completed');
    expect((await restarted.getJob(b.jobId))?.state).toBe('completed');
    await restarted.close();
  });

  it('fails a job that was interrupted on its last attempt instead of running it again', async () => {
    const store = mapStore();
    store.rows.set('j1', {
      id: 'j1',
      name: 'sync-integration',
      state: 'active',
      progress: 0,
      data,
      result: null,
      failedReason: null,
      attempts: 3,
      createdAt: 1,
      finishedAt: null,
    });
    let calls = 0;
    const queue = new MemoryJobQueue({
      processor: async () => {
        calls++;
      },
      store,
      attempts: 3,
    });
    await queue.recover();
    await queue.whenIdle();
    expect(calls).toBe(0);
    expect(await queue.getJob('j1')).toMatchObject({ state: 'failed', failedReason: 'interrupted' });
    await queue.close();
  });
});
