/**
 * The fault proxy keeps each direction's byte order when its delay changes. It once sent a chunk
 * that arrived after the delay dropped ahead of the chunks still delayed: a Redis client then
 * handed replies to the wrong commands (a lock SET NX read a GET's nil, so the lock it had taken
 * was left to expire while every reader of the key waited for it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, whenReady } from '../backends/redis/client.ts';
import { type RedisTestServer, startRedisServer } from './redis-cluster.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

describe('tcp proxy', () => {
  let redis: RedisTestServer;
  let proxy: TcpProxy;

  beforeAll(async () => {
    redis = await startRedisServer();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
  }, 30_000);

  afterAll(async () => {
    await proxy?.close();
    await redis?.stop();
  });

  it('keeps replies in order when the delay drops while some are still delayed', async () => {
    const viaProxy = createRedisClient(`redis://127.0.0.1:${proxy.port}`);
    const direct = createRedisClient(redis.url);
    try {
      await Promise.all([whenReady(viaProxy), whenReady(direct)]);
      await direct.del('order');
      proxy.delay(500);
      const set = viaProxy.set('order', 'first');
      // Redis has run the SET: its reply is now held by the proxy.
      while ((await direct.get('order')) !== 'first');
      proxy.delay(0);
      const echo = viaProxy.echo('second');
      expect(await set).toBe('OK');
      expect(await echo).toBe('second');
    } finally {
      proxy.delay(0);
      await closeRedisClient(viaProxy);
      await closeRedisClient(direct);
    }
  });
});
