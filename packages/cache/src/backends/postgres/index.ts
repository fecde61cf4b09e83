/**
 * PostgreSQL for the cache, with no driver loaded: pass a `pg.Pool` or a `PGlite`. The tier (one
 * UNLOGGED table), the LISTEN/NOTIFY invalidation bus, the tag table, the listeners the bus needs,
 * and {@link postgresBackplane}, which wires them to one client.
 */
export { type PostgresBackplane, type PostgresBackplaneOptions, postgresBackplane } from './backplane.ts';
export { PostgresBus, type PostgresBusOptions, postgresBus } from './bus.ts';
export {
  type PgListenClient,
  type PgListenerFactory,
  type PgListening,
  pgListener,
  pgliteListener,
} from './listener.ts';
export type { SqlClient } from './sql.ts';
export { PostgresTagStore, type PostgresTagStoreOptions, postgresTagStore } from './tag-store.ts';
export { PostgresTier, type PostgresTierOptions, postgresTier } from './tier.ts';
