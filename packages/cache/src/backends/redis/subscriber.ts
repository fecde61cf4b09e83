/** A dedicated pub/sub connection next to a command client (a subscribed connection can do nothing else). */

import { Redis } from 'ioredis';
import { CacheBackendError } from '../../errors.ts';
import type { Ms } from '../../types.ts';
import { isCluster, type RedisClient, whenReady } from './client.ts';

/**
 * Opens a subscriber connection for `client`: a duplicate of a single node, or a plain
 * connection to one master of a cluster (classic PUBLISH reaches every node). A plain
 * connection is used for clusters because ioredis's cluster subscriber reconnects silently,
 * and the bus must see reconnects to report gaps. The caller owns the connection.
 */
export async function openSubscriber(client: RedisClient, readyTimeout: Ms): Promise<Redis> {
  if (!isCluster(client)) return quiet(client.duplicate());
  await whenReady(client, readyTimeout);
  const masters = client.nodes('master');
  const node = masters[Math.floor(Math.random() * masters.length)];
  if (!node) throw new CacheBackendError('redis cluster has no master to subscribe on');
  const { host, port, username, password, tls } = node.options;
  const subscriber = new Redis({
    host,
    port,
    username,
    password,
    tls,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Same reconnect policy as the cluster itself; retry forever unless it says stop.
    retryStrategy: (times) => {
      const delay = client.options.clusterRetryStrategy?.(times);
      return delay === undefined ? 2_000 : delay;
    },
  });
  return quiet(subscriber);
}

// Connection errors of a subscriber show as reconnects (and bus gaps); without a listener
// ioredis would print each one.
function quiet(subscriber: Redis): Redis {
  subscriber.on('error', () => {});
  return subscriber;
}
