import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheKeyError, CacheOptionsError } from '../../errors.ts';
import { attachForTest, type ConformanceSetup, runTierConformance } from '../../testing/index.ts';
import { type RedisTestCluster, startRedisCluster } from '../../testing/redis-cluster.ts';
import type { Entry } from '../../types.ts';
import { closeRedisClient, createRedisClient, parseClusterNodes, type RedisClient, whenReady } from './client.ts';
import { redisKeySlot } from './slots.ts';
import { escapeGlob, type RedisTier, redisTier } from './tier.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Away from the usual 7000-7005 cluster tutorials and 6379-6381; the harness fails clearly if taken.
const CLUSTER_BASE_PORT = Number(process.env.REDIS_TEST_CLUSTER_PORT ?? 7101);
const noop = (): void => {};
const uniquePrefix = (): string => `cache-test:${randomUUID()}:`;
const teamTag = (key: string): string | undefined => /^team_\d+/.exec(key)?.[0];

async function connect(): Promise<Redis> {
  const client = createRedisClient(REDIS_URL);
  client.on('error', noop); // failures surface as rejections; the event would only log
  await whenReady(client);
  return client;
}

type RedisSetup = ConformanceSetup & { tier: RedisTier; client: RedisClient };

function writeRaw(setup: ConformanceSetup, key: string, raw: string): Promise<unknown> {
  const { tier, client } = setup as RedisSetup;
  return client.set(tier.storageKey(key), raw);
}

const entry = (value: unknown, now = Date.now(), ttl = 60_000): Entry => ({
  value,
  createdAt: now,
  expiresAt: now + ttl,
  staleUntil: now + ttl,
});

runTierConformance('redis (single node)', {
  create: async () => {
    const client = await connect();
    const tier = redisTier({ client, prefix: uniquePrefix() });
    const setup = attachForTest(tier);
    return {
      ...setup,
      client,
      cleanup: async () => {
        await tier.clear();
        await client.quit();
      },
    };
  },
  corrupt: writeRaw,
});

describe('redis cluster (3 masters)', () => {
  let cluster: RedisTestCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster({ basePort: CLUSTER_BASE_PORT, masters: 3 });
    client = createRedisClient(cluster.nodes);
    client.on('error', noop);
    await whenReady(client, 10_000);
  });

  afterAll(async () => {
    if (client) await closeRedisClient(client);
    await cluster?.stop();
  });

  for (const [label, hashTag] of [
    ['', undefined],
    [', hash tags', teamTag],
  ] as const) {
    runTierConformance(`redis (cluster${label})`, {
      create: () => {
        const tier = redisTier({ client, prefix: uniquePrefix(), ...(hashTag && { hashTag }) });
        return { ...attachForTest(tier), client, cleanup: () => tier.clear() };
      },
      corrupt: writeRaw,
    });
  }

  it('getMany of 100 keys spread over every master answers in the order asked', async () => {
    const tier = redisTier({ client, prefix: uniquePrefix() });
    attachForTest(tier);
    try {
      const keys = Array.from({ length: 100 }, (_, i) => `key_${i}`);
      // Odd keys only, so holes sit between hits in every slot group.
      await tier.setMany(keys.filter((_, i) => i % 2 === 1).map((key) => ({ key, entry: entry(key), ttl: 60_000 })));
      const slots = new Set(keys.map((key) => redisKeySlot(tier.storageKey(key))));
      expect(slots.size).toBeGreaterThan(90);
      const perMaster = await Promise.all(client.nodes('master').map((node) => node.keys(`${tier.prefix}*`)));
      expect(perMaster.map((found) => found.length > 0)).toEqual([true, true, true]);

      const shuffled = [...keys].reverse();
      const got = await tier.getMany(shuffled);
      expect(got.map((e) => e?.value)).toEqual(
        shuffled.map((key) => (Number(key.slice(4)) % 2 === 1 ? key : undefined)),
      );
      expect(await tier.deleteMany(keys)).toBe(50);
    } finally {
      await tier.clear();
    }
  });

  it('a hash tag puts team_12 and team_12_metrics in one slot', async () => {
    const tier = redisTier({ client, prefix: uniquePrefix(), hashTag: teamTag });
    attachForTest(tier);
    try {
      const [a, b, other] = ['team_12', 'team_12_metrics', 'team_13'].map((key) => tier.storageKey(key));
      const slotOf = (key: string) => client.cluster('KEYSLOT', key) as Promise<number>;
      expect(await slotOf(a!)).toBe(await slotOf(b!));
      expect(await slotOf(a!)).not.toBe(await slotOf(other!));
      // The tag lets a multi-key command run on the pair, which a cluster refuses across slots.
      await tier.setMany([
        { key: 'team_12', entry: entry(1), ttl: 60_000 },
        { key: 'team_12_metrics', entry: entry(2), ttl: 60_000 },
      ]);
      expect(await client.unlink(a!, b!)).toBe(2);
    } finally {
      await tier.clear();
    }
  });

  it('computes the same slot as CLUSTER KEYSLOT', async () => {
    const keys = ['', 'a', 'myapp:v1:teams', '{team_12}x', 'x{}y', '{}{a}', 'a{b}c{d}', 'Zürich ✓ 東京 🚀', 'x{'];
    for (const key of keys) expect(redisKeySlot(key), key).toBe(await client.cluster('KEYSLOT', key));
  });
});

describe('redis tier', () => {
  it('stores the codec string with PX = the ttl it is given', async () => {
    const client = await connect();
    const tier = redisTier({ client, prefix: uniquePrefix() });
    attachForTest(tier);
    try {
      const now = Date.UTC(2026, 0, 1);
      await tier.set('k', entry({ a: 1 }, now, 3_600_000), 5_000);
      const pttl = await client.pttl(tier.storageKey('k'));
      expect(pttl).toBeGreaterThan(4_000);
      expect(pttl).toBeLessThanOrEqual(5_000);
      const raw = await client.get(tier.storageKey('k'));
      expect(JSON.parse(raw!)).toMatchObject({ v: 1, keep: now + 5_000, staleUntil: now + 5_000, data: { a: 1 } });
    } finally {
      await tier.clear();
      await client.quit();
    }
  });

  it('caps PX at its own ttl', async () => {
    const client = await connect();
    const tier = redisTier({ client, prefix: uniquePrefix(), ttl: 2_000 });
    attachForTest(tier);
    try {
      await tier.set('k', entry(1, Date.UTC(2026, 0, 1), 3_600_000), 3_600_000);
      expect(await client.pttl(tier.storageKey('k'))).toBeLessThanOrEqual(2_000);
    } finally {
      await tier.clear();
      await client.quit();
    }
  });

  it('deletes a corrupt entry from Redis when it reads it', async () => {
    const client = await connect();
    const tier = redisTier({ client, prefix: uniquePrefix() });
    attachForTest(tier);
    try {
      await client.set(tier.storageKey('bad'), '{"v":1,"timest');
      expect(await tier.get('bad')).toBeUndefined();
      // The UNLINK is fire and forget; a later command on the same connection runs after it.
      expect(await client.exists(tier.storageKey('bad'))).toBe(0);
      expect(tier.stats().corrupt).toBe(1);
    } finally {
      await tier.clear();
      await client.quit();
    }
  });

  it('clear and keys treat glob characters in prefixes literally', async () => {
    const client = await connect();
    const base = uniquePrefix();
    const tier = redisTier({ client, prefix: `${base}[ns]*:` });
    const sibling = redisTier({ client, prefix: `${base}[ns]x:` });
    attachForTest(tier);
    attachForTest(sibling);
    try {
      const keys = ['a*b', 'a?c', 'a[1]', 'axb', 'a\\b'];
      await tier.setMany(keys.map((key) => ({ key, entry: entry(key), ttl: 60_000 })));
      await sibling.set('a*b', entry('sibling'), 60_000);
      expect((await tier.keys('a*')).sort()).toEqual(['a*b']);
      expect(await tier.clear('a[')).toBe(1);
      expect(await tier.clear('a\\')).toBe(1);
      expect((await tier.keys()).sort()).toEqual(['a*b', 'a?c', 'axb']);
      expect(await tier.clear()).toBe(3);
      expect((await sibling.get('a*b'))?.value).toBe('sibling');
    } finally {
      await tier.clear();
      await sibling.clear();
      await client.quit();
    }
  });

  it('info() counts the keys under its prefix and stats() reports them', async () => {
    const client = await connect();
    const tier = redisTier({ client, prefix: uniquePrefix() });
    attachForTest(tier);
    try {
      expect(tier.stats().bytes).toBeUndefined();
      await tier.setMany(['a', 'b', 'c'].map((key) => ({ key, entry: entry(key), ttl: 60_000 })));
      await tier.set('a', entry('again'), 60_000); // an overwrite: counted as a write until info()
      const info = await tier.info();
      expect(info.keys).toBe(3);
      expect(info.usedMemory).toBeGreaterThan(0);
      expect(info.dbSize).toBeGreaterThanOrEqual(3);
      expect(tier.stats()).toMatchObject({ entries: 3, bytes: info.usedMemory, evictions: 0, corrupt: 0 });
      await tier.delete('a');
      expect(tier.stats().entries).toBe(2);
    } finally {
      await tier.clear();
      await client.quit();
    }
  });

  it('records compression from the codec in stats', async () => {
    const client = await connect();
    const tier = redisTier({ client, prefix: uniquePrefix() });
    attachForTest(tier); // compresses above 256 bytes
    try {
      await tier.set('big', entry('x'.repeat(10_000)), 60_000);
      const compressed = tier.stats().compressed!;
      expect(compressed.count).toBe(1);
      expect(compressed.storedBytes).toBeLessThan(compressed.rawBytes / 10);
      expect((await tier.get('big'))?.value).toBe('x'.repeat(10_000));
    } finally {
      await tier.clear();
      await client.quit();
    }
  });

  it('rejects (does not swallow) errors when Redis is unreachable, and fails fast', async () => {
    // Port 1 on loopback: connection refused at once.
    const client = createRedisClient('redis://127.0.0.1:1', { maxReconnectDelay: 50 });
    client.on('error', noop);
    const tier = redisTier({ client, prefix: uniquePrefix(), ownsClient: true });
    attachForTest(tier);
    const started = Date.now();
    await expect(tier.get('k')).rejects.toThrow();
    await expect(tier.set('k', entry(1), 1_000)).rejects.toThrow();
    await expect(tier.getMany(['a', 'b'])).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
    await tier.close();
    expect(client.status).toBe('end');
  });

  it('close() leaves a client it does not own open', async () => {
    const client = await connect();
    const tier = redisTier({ client, prefix: uniquePrefix() });
    await tier.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('refuses a hash tag that would not be one', async () => {
    const client = await connect();
    try {
      const tier = redisTier({ client, prefix: uniquePrefix(), hashTag: () => '{a}b}' });
      expect(() => tier.storageKey('k')).toThrow(CacheKeyError);
      const bare = redisTier({ client, prefix: 'p:', hashTag: () => 'team_1' });
      expect(bare.storageKey('k')).toBe('p:{team_1}k');
      expect(redisTier({ client, prefix: 'p:', hashTag: () => undefined }).storageKey('k')).toBe('p:{}k');
    } finally {
      await client.quit();
    }
  });

  it('validates its options up front', async () => {
    const client = await connect();
    try {
      expect(() => redisTier({} as never)).toThrow(CacheOptionsError);
      expect(() => redisTier({ client, prefix: '' })).toThrow(/prefix/);
      expect(() => redisTier({ client, prefix: 'a{b}:', hashTag: teamTag })).toThrow(/prefix/);
      expect(() => redisTier({ client, ttl: -1 })).toThrow(CacheOptionsError);
      expect(() => redisTier({ client, scanCount: 0 })).toThrow(CacheOptionsError);
    } finally {
      await client.quit();
    }
  });
});

describe('redis client helpers', () => {
  it('parses REDIS_CLUSTER_NODES', () => {
    expect(parseClusterNodes('10.0.0.1:7000, redis-b:7001,[::1]:7002')).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(() => parseClusterNodes('')).toThrow(CacheOptionsError);
    expect(() => parseClusterNodes('host')).toThrow(/host:port/);
    expect(() => parseClusterNodes('host:99999')).toThrow(/host:port/);
  });

  it('escapes glob characters', () => {
    expect(escapeGlob('a*b?c[d]e\\f{g}')).toBe('a\\*b\\?c\\[d\\]e\\\\f{g}');
  });

  it('whenReady rejects with a clear error when the connection does not come up', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', { maxReconnectDelay: 50 });
    client.on('error', noop);
    await expect(whenReady(client, 300)).rejects.toThrow(/not ready after 300 ms/);
    client.disconnect();
  });
});
