/**
 * PostgreSQL for the cache: {@link postgresBackplane}, which wires the Postgres tier, the
 * LISTEN/NOTIFY bus and the tag table to one client, and the listeners it needs. Loads no
 * driver: pass a `pg.Pool` or a `PGlite`.
 */
export {
  type PgListenClient,
  type PgListenerFactory,
  type PgListening,
  pgListener,
  pgliteListener,
} from '../bus/postgres.ts';
export type { SqlClient } from '../tiers/postgres.ts';
export { type PostgresBackplane, type PostgresBackplaneOptions, postgresBackplane } from './backplane.ts';
