/**
 * Redis connections for the cache's Redis tier, bus, tag store and lock: a client factory with
 * cache-friendly defaults, readiness, a graceful close, and parsing of cluster node lists.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { CacheBackendError, CacheOptionsError } from '../../errors.ts';
import type { Ms } from '../../types.ts';
import { checkDuration } from '../../validate.ts';

/** A single-node client or a cluster client. */
export type RedisClient = Redis | Cluster;

/** Whether `client` is an ioredis Cluster (checked by flag, so two copies of ioredis still work). */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** A cluster node address. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Options of {@link createRedisClient}. Every default is here. */
export interface RedisClientOptions {
  /**
   * Longest wait between reconnect attempts (backoff doubles from 50 ms up to this).
   * @default 2_000
   */
  maxReconnectDelay?: Ms;
  /**
   * How long a connection attempt may take.
   * @default 2_000
   */
  connectTimeout?: Ms;
  /** More ioredis options for a single node, applied over the defaults. */
  redis?: RedisOptions;
  /** More ioredis options for a cluster, applied over the defaults. */
  cluster?: ClusterOptions;
}

/**
 * Parses `REDIS_CLUSTER_NODES` (`host:port,host:port`). Throws `CacheOptionsError` on a
 * malformed entry.
 */
export function parseClusterNodes(text: string): RedisNodeAddress[] {
  const nodes = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const match = /^(.+):(\d{1,5})$/.exec(part);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65_535) {
        throw new CacheOptionsError(`cluster node ${JSON.stringify(part)} is not host:port`);
      }
      return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
    });
  if (nodes.length === 0) throw new CacheOptionsError('cluster nodes list is empty; expected host:port,host:port');
  return nodes;
}

function backoff(maxDelay: Ms): (times: number) => number {
  return (times) => Math.min(50 * 2 ** Math.min(times, 16), maxDelay);
}

/**
 * Creates an ioredis client with cache-friendly defaults: commands fail fast while disconnected
 * (`enableOfflineQueue: false`, `maxRetriesPerRequest: 1`) instead of queueing behind a dead
 * connection, and reconnection retries forever with capped backoff. A URL gives a single node;
 * a list of nodes (see {@link parseClusterNodes}) gives a cluster. Attach an `error` listener.
 */
export function createRedisClient(url: string, options?: RedisClientOptions): Redis;
export function createRedisClient(nodes: readonly RedisNodeAddress[], options?: RedisClientOptions): Cluster;
export function createRedisClient(
  target: string | readonly RedisNodeAddress[],
  options: RedisClientOptions = {},
): RedisClient {
  checkDuration('maxReconnectDelay', options.maxReconnectDelay);
  checkDuration('connectTimeout', options.connectTimeout);
  const maxDelay = options.maxReconnectDelay ?? 2_000;
  const connectTimeout = options.connectTimeout ?? 2_000;
  if (typeof target === 'string') {
    return new Redis(target, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
      connectTimeout,
      retryStrategy: backoff(maxDelay),
      ...options.redis,
    });
  }
  if (!Array.isArray(target) || target.length === 0) {
    throw new CacheOptionsError('createRedisClient needs a redis:// URL or a non-empty list of cluster nodes');
  }
  return new Cluster(
    target.map((node) => ({ host: node.host, port: node.port })),
    {
      enableOfflineQueue: false,
      lazyConnect: false,
      clusterRetryStrategy: backoff(maxDelay),
      ...options.cluster,
      redisOptions: { maxRetriesPerRequest: 1, connectTimeout, ...options.cluster?.redisOptions },
    },
  );
}

/**
 * Resolves once `client` is ready for commands (with `enableOfflineQueue: false`, commands sent
 * earlier fail). Rejects after `timeout` ms, or at once if the client has ended.
 */
export function whenReady(client: RedisClient, timeout: Ms = 5_000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => finish();
    const onEnd = (): void => finish(new CacheBackendError('redis connection ended before it was ready'));
    const timer = setTimeout(
      () => finish(new CacheBackendError(`redis connection not ready after ${timeout} ms (status ${client.status})`)),
      timeout,
    );
    timer.unref?.();
    client.on('ready', onReady);
    client.on('end', onEnd);
    if (client.status === 'end') onEnd();
  });
}

/**
 * Quits `client` gracefully when connected, drops the connection otherwise (a client that is
 * reconnecting would never answer QUIT), and resolves once it has ended (at most 1 s).
 */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    timer.unref?.();
    client.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  if (client.status === 'ready') {
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  } else {
    client.disconnect();
  }
  await ended;
}
