/**
 * The server's invalidations, pushed over `GET /api/events` (SSE, session cookie): each event
 * names the logical keys a write made stale; they are evicted from this user's caches, and the
 * hooks showing them refetch. After a reconnect, what is on screen is revalidated by ETag, since
 * events sent while disconnected are lost.
 */

import { EventStream, routeUrl } from '@agiletrack/domain';
import { evictKeys, type UserCaches } from './browser-cache.ts';
import { reloadOnScreen } from './loader.ts';
import { createStore } from './store.ts';
import { listen } from './streams.ts';

/** Whether the event stream is connected. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

/** The stream's status, for the header. */
export const liveStatus = createStore<LiveStatus>('off');

/** How many invalidation events arrived, and the last one (shown in the cache monitor). */
export const liveEvents = createStore<{ count: number; last: string | undefined }>({ count: 0, last: undefined });

/** The newest event of the stream, for pages that follow one kind (a team's goals). */
export const lastEvent = createStore<{ type: string; teamId: string; seq: number } | undefined>(undefined);

/** Opens the stream for `caches`' user; returns the function that closes it. */
export function connectEvents(caches: UserCaches): () => void {
  if (typeof EventSource === 'undefined') return () => {};
  const source = new EventSource(routeUrl('system.events'));
  let connections = 0;
  liveStatus.set('connecting');
  listen(
    source,
    EventStream,
    {
      ready: () => {
        connections++;
        liveStatus.set('live');
        if (connections > 1) void reloadOnScreen('revalidate');
      },
      invalidate: (event) => {
        const { count } = liveEvents.get();
        liveEvents.set({ count: count + 1, last: `${event.type} → ${event.keys.join(', ')}` });
        lastEvent.set({ type: event.type, teamId: String(event.teamId), seq: count + 1 });
        void evictKeys(caches, event.keys);
      },
    },
    // An error means the stream dropped or a reconnect failed: the server is unreachable right now
    // (the browser keeps retrying; 'ready' says it is back). Showing "reconnecting" here kept a
    // hopeful badge up for as long as the server was down.
    () => liveStatus.set('off'),
  );
  return () => {
    source.close();
    liveStatus.set('off');
  };
}
