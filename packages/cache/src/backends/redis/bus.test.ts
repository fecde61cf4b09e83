import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseBusMessage } from '../../bus/message.ts';
import { CacheArgumentError, CacheClosedError } from '../../errors.ts';
import { freePort, startRedisServer } from '../../testing/redis-cluster.ts';
import { startTcpProxy } from '../../testing/tcp-proxy.ts';
import type { BusMessage } from '../../types.ts';
import { type RedisBus, redisBus } from './bus.ts';
import { closeRedisClient, createRedisClient, whenReady } from './client.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const noop = (): void => {};

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  // Buses first (they unsubscribe), then the connections they used.
  for (const item of open.splice(0).reverse()) await item.close();
});

async function connect(name = `cache-test-${randomUUID()}`): Promise<Redis> {
  const client = createRedisClient(REDIS_URL, { maxReconnectDelay: 100, redis: { connectionName: name } });
  client.on('error', noop);
  await whenReady(client);
  open.unshift({ close: () => closeRedisClient(client) });
  return client;
}

interface Listener {
  bus: RedisBus;
  messages: BusMessage[];
  gaps: number;
}

async function listen(client: Redis, prefix: string): Promise<Listener> {
  const bus = redisBus({ client, prefix });
  open.push(bus);
  const listener: Listener = { bus, messages: [], gaps: 0 };
  await bus.subscribe({
    onMessage: (message) => listener.messages.push(message),
    onGap: () => listener.gaps++,
  });
  return listener;
}

const prefixName = (): string => `cache-test:${randomUUID()}:`;

describe('redis bus', () => {
  it('delivers a message to the other instance and not back to its sender', async () => {
    const prefix = prefixName();
    const a = await listen(await connect(), prefix);
    const b = await listen(await connect(), prefix);
    await a.bus.publish({ type: 'delete', keys: ['team_12', 'teams'] });
    await a.bus.publish({ type: 'tags', tags: ['team:12'], at: 1_234 });
    await vi.waitFor(() => expect(b.messages).toHaveLength(2), { timeout: 2_000 });
    expect(b.messages).toEqual([
      { type: 'delete', keys: ['team_12', 'teams'] },
      { type: 'tags', tags: ['team:12'], at: 1_234 },
    ]);
    // A's own echo arrives on its subscription too; it is counted and dropped.
    await vi.waitFor(() => expect(a.bus.stats().ignoredOwn).toBe(2), { timeout: 2_000 });
    expect(a.messages).toEqual([]);
    expect(a.bus.stats()).toMatchObject({ published: 2, received: 0, subscribed: true, gaps: 0 });
    expect(b.bus.stats()).toMatchObject({ received: 2, malformed: 0 });
  });

  it('never carries values: unknown fields are dropped on the way out and on the way in', async () => {
    const prefix = prefixName();
    const publisher = await connect();
    const a = await listen(publisher, prefix);
    const b = await listen(await connect(), prefix);
    await a.bus.publish({ type: 'set', keys: ['k'], value: 'secret' } as unknown as BusMessage);
    await publisher.publish(
      a.bus.channel,
      JSON.stringify({ id: 'other', msg: { type: 'clear', prefix: 'team_', value: { secret: 1 } } }),
    );
    await vi.waitFor(() => expect(b.messages).toHaveLength(2), { timeout: 2_000 });
    expect(b.messages).toEqual([
      { type: 'set', keys: ['k'] },
      { type: 'clear', prefix: 'team_' },
    ]);
  });

  it('ignores and counts malformed messages, and keeps delivering valid ones', async () => {
    const raw = await connect();
    const b = await listen(await connect(), prefixName());
    const channel = b.bus.channel;
    const bad = [
      'not json',
      'null',
      '{"msg":{"type":"delete","keys":["a"]}}',
      '{"id":"x","msg":{"type":"delete","keys":[1]}}',
      '{"id":"x","msg":{"type":"unknown"}}',
      '{"id":"x","msg":{"type":"tags","tags":["t"],"at":"soon"}}',
      '{"id":"x","msg":{"type":"clear"}}',
    ];
    for (const text of bad) await raw.publish(channel, text);
    await raw.publish(channel, JSON.stringify({ id: 'x', msg: { type: 'delete', keys: ['ok'] } }));
    await vi.waitFor(() => expect(b.messages).toHaveLength(1), { timeout: 2_000 });
    expect(b.messages[0]).toEqual({ type: 'delete', keys: ['ok'] });
    expect(b.bus.stats().malformed).toBe(bad.length);
  });

  it('keeps running when a handler throws', async () => {
    const publisher = await connect();
    const bus = redisBus({ client: await connect(), prefix: prefixName() });
    const channel = bus.channel;
    open.push(bus);
    const seen: BusMessage[] = [];
    await bus.subscribe({
      onMessage: (message) => {
        seen.push(message);
        if (seen.length === 1) throw new Error('handler bug');
      },
      onGap: noop,
    });
    for (const keys of [['a'], ['b']])
      await publisher.publish(channel, JSON.stringify({ id: 'x', msg: { type: 'delete', keys } }));
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 2_000 });
    expect(bus.stats().handlerErrors).toBe(1);
  });

  it('reports a gap once after its subscriber connection is killed and comes back', async () => {
    const prefix = prefixName();
    const name = `cache-test-${randomUUID()}`;
    const sender = await listen(await connect(), prefix);
    const publisher = await connect(name); // its duplicate, the subscriber, carries the same name
    const receiver = await listen(publisher, prefix);
    const admin = await connect();

    // Kill only this test's pub/sub connection: other suites share this Redis.
    const clients = ((await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string)
      .split('\n')
      .filter((line) => line.includes(` name=${name} `));
    expect(clients).toHaveLength(1);
    const id = /\bid=(\d+)/.exec(clients[0]!)![1]!;
    expect(await admin.client('KILL', 'ID', id, 'TYPE', 'pubsub')).toBe(1);

    await vi.waitFor(() => expect(receiver.gaps).toBe(1), { timeout: 5_000 });
    expect(receiver.bus.stats()).toMatchObject({ gaps: 1, subscribed: true });
    // Subscribed again: messages flow as before.
    await sender.bus.publish({ type: 'delete', keys: ['after-gap'] });
    await vi.waitFor(() => expect(receiver.messages).toEqual([{ type: 'delete', keys: ['after-gap'] }]), {
      timeout: 2_000,
    });
    expect(receiver.gaps).toBe(1);
    expect(sender.gaps).toBe(0);
  });

  it('reports a gap when it could only subscribe after Redis came up', async () => {
    // A private server started only after subscribe() gave up waiting for it.
    const port = await freePort();
    const publisher = createRedisClient(`redis://127.0.0.1:${port}`, { maxReconnectDelay: 50 });
    publisher.on('error', noop);
    open.unshift({ close: () => closeRedisClient(publisher) });
    const bus = redisBus({ client: publisher, prefix: 'late:', subscribeTimeout: 200 });
    open.push(bus);
    let gaps = 0;
    const seen: BusMessage[] = [];
    await bus.subscribe({ onMessage: (m) => seen.push(m), onGap: () => gaps++ });
    expect(bus.stats().subscribed).toBe(false);
    let ready = false;
    const readiness = bus.ready().then(() => {
      ready = true;
    });

    const server = await startRedisServer({ port });
    open.unshift({ close: () => server.stop() });
    await readiness; // resolves once subscribed, after the gap was reported
    expect(ready).toBe(true);
    expect(gaps).toBe(1);
    expect(bus.stats().subscribed).toBe(true);
    await whenReady(publisher);
    await publisher.publish(bus.channel, JSON.stringify({ id: 'x', msg: { type: 'delete', keys: ['k'] } }));
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 2_000 });
  });

  it('recovers from heartbeat answers lost on the way: every beat pings, the next answer brings it back', async () => {
    const { hostname, port } = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: hostname, port: Number(port || 6379) });
    open.unshift(proxy);
    const prefix = prefixName();
    const subscriber = createRedisClient(`redis://127.0.0.1:${proxy.port}`);
    subscriber.on('error', noop);
    await whenReady(subscriber);
    open.unshift({ close: () => closeRedisClient(subscriber) });
    const bus = redisBus({
      client: await connect(),
      subscriber,
      prefix,
      heartbeatInterval: 50,
      heartbeatTimeout: 100,
    });
    open.push(bus);
    const health: boolean[] = [];
    let gaps = 0;
    const messages: BusMessage[] = [];
    await bus.subscribe({
      onMessage: (message) => messages.push(message),
      onGap: () => gaps++,
      onHealth: (healthy) => health.push(healthy),
    });
    expect(bus.healthy).toBe(true);
    // Everything on the subscriber connection is lost, the connection stays open: PINGs go unanswered.
    proxy.drop('all');
    await vi.waitFor(() => expect(bus.stats().missedHeartbeats).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    expect(bus.healthy).toBe(false);
    proxy.drop('none');
    // The next answer (taken for the oldest PING still waiting) brings the bus back with a gap; the
    // PINGs left unanswered show the connection out of step, and the bus reconnects it.
    await vi.waitFor(
      () => {
        expect(bus.stats().heartbeatReconnects).toBe(1);
        expect(gaps).toBe(2); // back after the lost answers, then subscribed again after the reconnect
        expect(bus.healthy).toBe(true);
      },
      { timeout: 5_000 },
    );
    expect(health).toEqual([true, false, true, false, true]);
    const publisher = await listen(await connect(), prefix);
    await publisher.bus.publish({ type: 'delete', keys: ['after'] });
    await vi.waitFor(() => expect(messages).toEqual([{ type: 'delete', keys: ['after'] }]), { timeout: 2_000 });
  });

  it('is ready at once when subscribed, and a closed bus is never ready', async () => {
    const receiver = await listen(await connect(), prefixName());
    await receiver.bus.ready();
    await receiver.bus.close();
    await expect(receiver.bus.ready()).rejects.toBeInstanceOf(CacheClosedError);
  });

  it('does not report a gap for its first subscription', async () => {
    const prefix = prefixName();
    const receiver = await listen(await connect(), prefix);
    const sender = await listen(await connect(), prefix);
    // A message from another instance has come through: the first subscription is live and
    // whatever its connecting and subscribing reported has been reported.
    await sender.bus.publish({ type: 'delete', keys: ['first'] });
    await vi.waitFor(() => expect(receiver.messages).toEqual([{ type: 'delete', keys: ['first'] }]), {
      timeout: 5_000,
    });
    expect(receiver.gaps).toBe(0);
    expect(receiver.bus.stats()).toMatchObject({ gaps: 0, subscribed: true, healthy: true });
  });

  it('closes the subscriber it opened, leaves the publisher and a given subscriber open, refuses to publish after', async () => {
    const publisher = await connect();
    const given = await connect();
    const withGiven = redisBus({ client: publisher, subscriber: given, prefix: prefixName() });
    await withGiven.subscribe({ onMessage: noop, onGap: noop });
    await withGiven.close();
    expect(await given.ping()).toBe('PONG'); // unsubscribed, usable again for commands
    expect(await publisher.ping()).toBe('PONG');
    await expect(withGiven.publish({ type: 'delete', keys: ['k'] })).rejects.toBeInstanceOf(CacheClosedError);

    const name = `cache-test-${randomUUID()}`;
    const named = await connect(name);
    const owning = redisBus({ client: named, prefix: prefixName() });
    await owning.subscribe({ onMessage: noop, onGap: noop });
    await owning.close();
    const left = ((await publisher.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).includes(` name=${name} `);
    expect(left).toBe(false);
  });

  it('refuses to publish something that is not a bus message, and a second subscribe', async () => {
    const bus = redisBus({ client: await connect(), prefix: prefixName() });
    open.push(bus);
    await expect(bus.publish({ type: 'delete', keys: 'k' } as unknown as BusMessage)).rejects.toThrow(
      CacheArgumentError,
    );
    await bus.subscribe({ onMessage: noop, onGap: noop });
    await expect(bus.subscribe({ onMessage: noop, onGap: noop })).rejects.toThrow(/already/);
  });

  it('parseBusMessage accepts exactly the four message shapes', () => {
    expect(parseBusMessage({ type: 'tags', tags: [], at: 0 })).toEqual({ type: 'tags', tags: [], at: 0 });
    expect(parseBusMessage({ type: 'tags', tags: ['a'], at: Number.NaN })).toBeUndefined();
    expect(parseBusMessage({ type: 'set', keys: ['a'] })).toEqual({ type: 'set', keys: ['a'] });
    expect(parseBusMessage([])).toBeUndefined();
    expect(parseBusMessage('delete')).toBeUndefined();
  });
});
