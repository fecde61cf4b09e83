/**
 * Everything a cache shares through PostgreSQL, built from one client:
 *
 *   const postgres = postgresBackplane({ client: pool, listen: pgListener(() => new pg.Client(url)) });
 *   await postgres.init();
 *   const cache = createCache({
 *     tiers: [memoryTier(), postgres.tier],
 *     bus: postgres.bus, tagStore: postgres.tagStore,
 *   });
 *
 * The Redis twin's lock has no counterpart here: without it, each instance loads a missing key
 * itself (single-flight still holds within an instance). Loads no driver: `client` and `listen`
 * are the caller's (node-postgres or PGlite).
 */
import { CacheOptionsError } from '../../errors.ts';
import { type PostgresBus, type PostgresBusOptions, postgresBus } from './bus.ts';
import { type PgListenerFactory, pgliteListener } from './listener.ts';
import type { SqlClient } from './sql.ts';
import { type PostgresTagStore, type PostgresTagStoreOptions, postgresTagStore } from './tag-store.ts';
import { type PostgresTier, type PostgresTierOptions, postgresTier } from './tier.ts';

/** Options of {@link postgresBackplane}. The parts' own options are passed through. */
export interface PostgresBackplaneOptions {
  /**
   * Queries and notifications: a `pg.Pool`, a `pg.Client` or a `PGlite`. Never closed by the parts.
   * A `pg.Client` (or a client checked out of a pool) needs an `'error'` listener of the caller's:
   * a PostgreSQL restart ends its connection with an `'error'` event.
   */
  client: SqlClient;
  /**
   * Opens the listening connection of the bus: `pgListener(() => new pg.Client(url))`.
   * @default pgliteListener(client) when `client` is a PGlite; required otherwise
   */
  listen?: PgListenerFactory;
  /**
   * Prepended to every key in the table, so applications and versions sharing it never meet.
   * @default 'cache:'
   */
  prefix?: string;
  /** More options of the Postgres tier (`table`, `ttl`, …). */
  tier?: Omit<PostgresTierOptions, 'client' | 'prefix'>;
  /** More options of the bus (`channel`, …). */
  bus?: Omit<PostgresBusOptions, 'client' | 'listen'>;
  /** More options of the tag store (`table`, …). */
  tagStore?: Omit<PostgresTagStoreOptions, 'client'>;
}

/** The parts, wired to one client; hand them to `createCache`. */
export interface PostgresBackplane {
  readonly tier: PostgresTier;
  readonly bus: PostgresBus;
  readonly tagStore: PostgresTagStore;
  /** No cross-process lock on PostgreSQL; here so both backplanes have the same shape. */
  readonly lock: undefined;
  /** Creates the tables if needed and loads the stored tag stamps. Call once before serving. */
  init(): Promise<void>;
}

type ListeningDb = Parameters<typeof pgliteListener>[0];

const canListen = (client: SqlClient): client is SqlClient & ListeningDb =>
  typeof (client as Partial<ListeningDb>).listen === 'function';

/** Builds a Postgres tier, bus and tag store sharing `client`. */
export function postgresBackplane(options: PostgresBackplaneOptions): PostgresBackplane {
  const { client } = options;
  const listen = options.listen ?? (canListen(client) ? pgliteListener(client) : undefined);
  if (listen === undefined) {
    throw new CacheOptionsError('postgres backplane: listen is required, e.g. pgListener(() => new pg.Client(url))');
  }
  const tier = postgresTier({ ...options.tier, client, prefix: options.prefix });
  const tagStore = postgresTagStore({ ...options.tagStore, client });
  return {
    tier,
    bus: postgresBus({ ...options.bus, client, listen }),
    tagStore,
    lock: undefined,
    init: async () => {
      if (options.tier?.createTable !== false) await tier.ensureSchema();
      await tagStore.init();
    },
  };
}
