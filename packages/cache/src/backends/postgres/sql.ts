/**
 * What the PostgreSQL pieces share: the client they query through and the rules for the SQL
 * identifiers and patterns they build (tables and channels are options, never user input, but
 * they are checked before they reach a statement).
 */
import { CacheOptionsError } from '../../errors.ts';

/**
 * What the tier needs from a database client. A `pg.Pool`, a `pg.Client` and a `PGlite`
 * instance all satisfy it as they are; wrap anything else (a counting proxy in tests).
 */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A lower-case SQL identifier (a channel, a table without schema). */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

// The tier's table parts leave room for the index name's suffix.
const TABLE_PART = /^[a-z_][a-z0-9_]{0,47}$/;

/** Checks a tier table name, optionally schema-qualified, and returns its parts. */
export function checkTable(table: string): string[] {
  const parts = typeof table === 'string' ? table.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((part) => TABLE_PART.test(part))) {
    throw new CacheOptionsError(
      `table must be a lower-case SQL identifier, optionally schema-qualified (${TABLE_PART}), got ${JSON.stringify(table)}`,
    );
  }
  return parts;
}

/** Escapes `%`, `_` and `\` so `text` matches itself in `LIKE … ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
