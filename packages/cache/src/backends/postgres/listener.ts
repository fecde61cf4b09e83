/**
 * The LISTEN side of the PostgreSQL bus: a dedicated node-postgres connection, or PGlite's own
 * `listen`. The module loads no driver: the caller passes its client.
 */
import { CacheOptionsError } from '../../errors.ts';

/** An open listening connection. */
export interface PgListening {
  close(): Promise<void>;
}

/**
 * Opens a connection that listens on `channel`, calling `onPayload` for each notification and
 * `onLost` once if the connection drops. Use {@link pgListener} or {@link pgliteListener}.
 */
export type PgListenerFactory = (
  channel: string,
  onPayload: (payload: string) => void,
  onLost: () => void,
) => Promise<PgListening>;

/** The part of a node-postgres `Client` a listener uses. */
export interface PgListenClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error' | 'end', listener: () => void): unknown;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
}

/**
 * Listens through a dedicated node-postgres connection (LISTEN needs one connection of its own).
 * `connect` returns a new, unconnected client each time it is called (after a drop, a fresh one
 * is made): `pgListener(() => new pg.Client(connectionString))`.
 */
export function pgListener(connect: () => PgListenClient): PgListenerFactory {
  if (typeof connect !== 'function') {
    throw new CacheOptionsError('pgListener needs a function returning a new pg.Client');
  }
  return async (channel, onPayload, onLost) => {
    const client = connect();
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      onLost();
    };
    client.on('error', lose);
    client.on('end', lose);
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      // The caller retries with a fresh client: this one must not linger half-open.
      lost = true;
      await client.end().catch(() => {});
      throw error;
    }
    return {
      close: async () => {
        lost = true;
        await client.end().catch(() => {});
      },
    };
  };
}

/** Listens inside a PGlite database (one process: notifications never get lost). */
export function pgliteListener(db: {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}): PgListenerFactory {
  return async (channel, onPayload) => {
    const unlisten = await db.listen(channel, onPayload);
    return { close: () => unlisten() };
  };
}
