/**
 * Warming at start: an instance that starts with L2 empty loads the hot keys in the background,
 * so the first dashboard read of a team's metrics is an L1 HIT; an instance that starts while L2
 * holds them copies them without a single load.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { how } from '../testing/api-helpers.ts';
import { startTestServer, TEST_REDIS_URL, type TestServer } from '../testing/harness.ts';

async function emptyL2(prefix: string): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL);
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      const entries = keys.filter((key) => !key.startsWith(`${prefix}:`));
      if (entries.length > 0) removed += await redis.unlink(...entries);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return removed;
}

describe('cache warming at start (redis)', () => {
  let first: TestServer;
  const joined: TestServer[] = [];
  beforeAll(async () => {
    first = await startTestServer('redis');
  });
  afterAll(async () => {
    for (const t of joined) await t.close();
    await first?.close();
  });

  it('makes the first metrics read after a restart with L2 empty an L1 hit', async () => {
    await emptyL2(first.prefix);
    const restarted = await startTestServer('redis', { join: first, warm: true });
    joined.push(restarted);
    const warmed = await restarted.server.deps.ops.warmer.done;
    expect(warmed).toMatchObject({ teams: 2 });
    const loads = restarted.server.deps.serverCache.cache.stats().getOrSet.factoryCalls;
    expect(loads).toBeGreaterThan(0);

    for (const teamId of [first.ids.teamA, first.ids.teamB]) {
      const response = await restarted.request({ method: 'GET', url: `/api/teams/${teamId}/metrics` });
      expect(response.statusCode).toBe(200);
      expect(how(response)).toBe('HIT l1');
    }
  });

  it('loads nothing when L2 already holds the hot keys', async () => {
    const another = await startTestServer('redis', { join: first, warm: true });
    joined.push(another);
    expect(await another.server.deps.ops.warmer.done).toMatchObject({ teams: 2 });
    expect(another.server.deps.serverCache.cache.stats().getOrSet.factoryCalls).toBe(0);
    const response = await another.request({ method: 'GET', url: `/api/teams/${first.ids.teamA}/metrics` });
    expect(how(response)).toBe('HIT l1');
  });
});
