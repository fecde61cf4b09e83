import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../testing/redis-cluster.ts';
import { closeRedisClient, createRedisClient, whenReady } from './client.ts';
import { redisTagStore } from './tag-store.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ client: Redis; prefix: string; key: string }> {
  const client = createRedisClient(REDIS_URL);
  client.on('error', () => {});
  await whenReady(client);
  const prefix = `cache-test:${randomUUID()}:`;
  const key = redisTagStore({ client, prefix }).key;
  cleanups.push(async () => {
    await client.del(key);
    await closeRedisClient(client);
  });
  return { client, prefix, key };
}

describe('redis tag store', () => {
  it('an invalidation on one instance is seen by another after refresh()', async () => {
    const { client, prefix } = await setup();
    const a = redisTagStore({ client, prefix });
    const b = redisTagStore({ client, prefix });
    await a.invalidate(['team:12', 'table:teams'], 1_000);
    expect(a.invalidatedAt('team:12')).toBe(1_000);
    expect(b.invalidatedAt('team:12')).toBeUndefined();
    await b.refresh();
    expect(b.invalidatedAt('team:12')).toBe(1_000);
    expect(b.invalidatedAt('table:teams')).toBe(1_000);
    expect(b.invalidatedAt('team:13')).toBeUndefined();
  });

  it('prune() forgets old stamps locally and in Redis, and keeps newer ones', async () => {
    const { client, prefix, key } = await setup();
    const a = redisTagStore({ client, prefix });
    await a.invalidate(['old'], 1_000);
    await a.invalidate(['new'], 5_000);
    expect(await a.prune(3_000)).toBe(1);
    expect(a.invalidatedAt('old')).toBeUndefined();
    expect(await client.hkeys(key)).toEqual(['new']);
  });

  it('never moves a stamp backwards, locally or in Redis', async () => {
    const { client, prefix, key } = await setup();
    const a = redisTagStore({ client, prefix });
    const late = redisTagStore({ client, prefix });
    await a.invalidate(['t'], 2_000);
    await late.invalidate(['t', 'u'], 1_500); // a slow writer arriving after a newer invalidation
    expect(await client.hgetall(key)).toEqual({ t: '2000', u: '1500' });
    expect(late.invalidatedAt('t')).toBe(1_500);
    await late.refresh();
    expect(late.invalidatedAt('t')).toBe(2_000);
    a.remember(['t'], 1_000);
    expect(a.invalidatedAt('t')).toBe(2_000);
  });

  it('remember() records locally and persists nothing', async () => {
    const { client, prefix, key } = await setup();
    const a = redisTagStore({ client, prefix });
    a.remember(['team:1'], 5);
    expect(a.invalidatedAt('team:1')).toBe(5);
    expect(await client.exists(key)).toBe(0);
  });

  it('init() loads stored stamps at startup and ignores fields that are not numbers', async () => {
    const { client, prefix, key } = await setup();
    await client.hset(key, 'team:1', '42', 'junk', 'soon');
    const store = redisTagStore({ client, prefix });
    await store.init();
    expect(store.invalidatedAt('team:1')).toBe(42);
    expect(store.invalidatedAt('junk')).toBeUndefined();
  });

  it('keeps working after Redis forgets its script cache', async () => {
    // SCRIPT FLUSH on a private server: the shared one serves other suites.
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const client = createRedisClient(server.url);
    client.on('error', () => {});
    await whenReady(client);
    cleanups.push(() => closeRedisClient(client));
    const store = redisTagStore({ client, prefix: 'flush:' });
    await store.invalidate(['a'], 1);
    await client.script('FLUSH');
    await store.invalidate(['a'], 2);
    expect(await client.hget(store.key, 'a')).toBe('2');
  });

  it('rejects when Redis is unreachable, after recording locally', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', { maxReconnectDelay: 50 });
    client.on('error', () => {});
    cleanups.push(() => closeRedisClient(client));
    const store = redisTagStore({ client });
    await expect(store.invalidate(['a'], 1)).rejects.toThrow();
    expect(store.invalidatedAt('a')).toBe(1);
  });
});
