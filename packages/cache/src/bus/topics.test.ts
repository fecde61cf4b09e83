/**
 * Application topics share the invalidation bus's channel: a topic message reaches the other
 * instances' topic handlers only, never the cache's `onMessage`, and never its sender.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { postgresBus } from '../backends/postgres/bus.ts';
import { pgListener } from '../backends/postgres/listener.ts';
import { redisBus } from '../backends/redis/bus.ts';
import { closeRedisClient, createRedisClient, whenReady } from '../backends/redis/client.ts';
import { CacheArgumentError } from '../errors.ts';
import type { BusMessage, InvalidationBus } from '../types.ts';
import type { BusTopics } from './topics.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type Bus = InvalidationBus & BusTopics;

async function exchange(a: Bus, b: Bus): Promise<void> {
  const cacheMessages: BusMessage[] = [];
  for (const bus of [a, b]) {
    await bus.subscribe({ onMessage: (message) => cacheMessages.push(message), onGap: () => {} });
  }
  const onA: unknown[] = [];
  const onB: { data: unknown; from: string }[] = [];
  a.onTopic('events', (data) => onA.push(data));
  const stop = b.onTopic('events', (data, from) => onB.push({ data, from }));
  b.onTopic('other', () => onB.push({ data: 'wrong topic', from: '' }));
  await a.publishTopic('events', { n: 1 });
  await b.publish({ type: 'delete', keys: ['x'] });
  await vi.waitFor(() => expect(onB).toEqual([{ data: { n: 1 }, from: a.instanceId }]), { timeout: 3_000 });
  await vi.waitFor(() => expect(cacheMessages).toEqual([{ type: 'delete', keys: ['x'] }]), { timeout: 3_000 });
  expect(onA).toEqual([]);
  stop();
  await a.publishTopic('events', { n: 2 });
  await a.publish({ type: 'delete', keys: ['y'] });
  await vi.waitFor(() => expect(cacheMessages).toHaveLength(2), { timeout: 3_000 });
  expect(onB).toHaveLength(1);
  await expect(a.publishTopic('bad topic!', {})).rejects.toThrow(CacheArgumentError);
}

describe('bus topics', () => {
  it('on Redis pub/sub', async () => {
    const client = createRedisClient(REDIS_URL);
    client.on('error', () => {});
    await whenReady(client);
    closers.push(() => closeRedisClient(client));
    const prefix = `cache:test:${randomUUID()}:`;
    const a = redisBus({ client, prefix });
    const b = redisBus({ client, prefix });
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    await exchange(a, b);
    expect(a.stats().topicsPublished).toBe(2);
    expect(b.stats().topicsReceived).toBe(1);
  });

  it('on PostgreSQL LISTEN/NOTIFY', async () => {
    const pool = new pg.Pool({ connectionString: PG_URL });
    closers.push(() => pool.end());
    const channel = `cache_test_${randomBytes(4).toString('hex')}`;
    const a = postgresBus({
      client: pool,
      listen: pgListener(() => new pg.Client({ connectionString: PG_URL })),
      channel,
    });
    const b = postgresBus({
      client: pool,
      listen: pgListener(() => new pg.Client({ connectionString: PG_URL })),
      channel,
    });
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    await exchange(a, b);
    expect(b.topicsReceived).toBe(1);
    await expect(a.publishTopic('big', 'x'.repeat(8_000))).rejects.toThrow(CacheArgumentError);
  });
});
