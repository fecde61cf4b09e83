/**
 * A TCP proxy on a spare loopback port, for fault tests of one client's path to a server: it can
 * add latency to every chunk (a slow network for this client only), or silently drop everything
 * on some connections while they stay open (replies lost, nothing closed). Chunks keep their order.
 */
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

/** Which connections `drop` applies to. */
export type DropScope =
  | 'none'
  | 'all'
  /** Connections that sent SUBSCRIBE (Redis pub/sub: the bus and lock release listeners). */
  | 'subscribers';

/** A running proxy. */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Delays each chunk by `ms` in each direction (0: none). */
  delay(ms: number): void;
  /** Drops every chunk, both directions, on the connections in `scope` (`'none'` stops dropping). */
  drop(scope: DropScope): void;
  /** Connections open now. */
  connections(): number;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  subscriber: boolean;
  readonly toUpstream: Lane;
  readonly toClient: Lane;
}

/**
 * One direction of a link: chunks waiting for their time, sent strictly in arrival order. When
 * the delay drops, a new chunk waits behind the delayed ones: overtaking them would reorder the
 * byte stream, and a Redis client would hand replies to the wrong commands.
 */
interface Lane {
  readonly to: Socket;
  readonly queue: { at: number; chunk: Buffer }[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

const lane = (to: Socket): Lane => ({ to, queue: [], timer: undefined });

function drain(lane: Lane): void {
  lane.timer = undefined;
  const now = performance.now();
  while (lane.queue.length > 0 && lane.queue[0]!.at <= now) {
    const { chunk } = lane.queue.shift()!;
    if (lane.to.writable) lane.to.write(chunk);
  }
  if (lane.queue.length === 0) return;
  lane.timer = setTimeout(() => drain(lane), Math.max(0, lane.queue[0]!.at - now));
  lane.timer.unref();
}

const SUBSCRIBE = /subscribe/i;

/** Starts a proxy to `target` (`host`, `port`). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<Link>();
  let delayMs = 0;
  let scope: DropScope = 'none';
  const dropping = (link: Link) => scope === 'all' || (scope === 'subscribers' && link.subscriber);
  const forward = (link: Link, lane: Lane, chunk: Buffer) => {
    if (dropping(link)) return;
    if (delayMs <= 0 && lane.queue.length === 0) {
      lane.to.write(chunk);
      return;
    }
    lane.queue.push({ at: performance.now() + delayMs, chunk });
    if (lane.timer === undefined) drain(lane);
  };
  const server = createServer((client) => {
    const upstream = createConnection(target);
    const link: Link = { client, upstream, subscriber: false, toUpstream: lane(upstream), toClient: lane(client) };
    links.add(link);
    const end = () => {
      links.delete(link);
      for (const { timer } of [link.toUpstream, link.toClient]) clearTimeout(timer);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (!link.subscriber && SUBSCRIBE.test(chunk.toString('latin1'))) link.subscriber = true;
      forward(link, link.toUpstream, chunk);
    });
    upstream.on('data', (chunk: Buffer) => forward(link, link.toClient, chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');
  return {
    port: address.port,
    delay(ms) {
      delayMs = ms;
    },
    drop(next) {
      scope = next;
    },
    connections: () => links.size,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const link of links) {
        for (const { timer } of [link.toUpstream, link.toClient]) clearTimeout(timer);
        link.client.destroy();
        link.upstream.destroy();
      }
      links.clear();
      await closed;
    },
  };
}
