/** Tag invalidation stamps in a PostgreSQL table, with a local copy for synchronous reads. */
import { withTimeout } from '../../bus/timeout.ts';
import { TagTimes } from '../../core/tag-times.ts';
import { CacheOptionsError } from '../../errors.ts';
import type { Ms, TagStore } from '../../types.ts';
import { checkDuration } from '../../validate.ts';
import { SQL_IDENTIFIER, type SqlClient } from './sql.ts';

/** Options of {@link postgresTagStore}. */
export interface PostgresTagStoreOptions {
  client: SqlClient;
  /**
   * The table of tag invalidation stamps (created if missing).
   * @default 'cache_tags'
   */
  table?: string;
  /** Longest wait on `invalidate` and `refresh`. @default 500 */
  timeout?: Ms;
}

/** Tag invalidation stamps in a table, with a local copy for synchronous reads. */
export class PostgresTagStore implements TagStore {
  readonly table: string;
  readonly #client: SqlClient;
  readonly #times = new TagTimes();
  readonly #timeout: Ms;
  #schema: Promise<void> | undefined;

  constructor(options: PostgresTagStoreOptions) {
    if (!options?.client) throw new CacheOptionsError('postgres tag store: client is required');
    this.table = options.table ?? 'cache_tags';
    if (!SQL_IDENTIFIER.test(this.table))
      throw new CacheOptionsError(`postgres tag store: table must match ${SQL_IDENTIFIER}`);
    checkDuration('timeout', options.timeout);
    this.#client = options.client;
    this.#timeout = options.timeout ?? 500;
  }

  invalidatedAt(tag: string): Ms | undefined {
    return this.#times.get(tag);
  }

  /** Records locally at once, then persists (keeping the larger stamp). */
  async invalidate(tags: readonly string[], at: Ms): Promise<void> {
    this.remember(tags, at);
    if (tags.length === 0) return;
    await this.#ensure();
    await withTimeout(
      this.#client.query(
        `INSERT INTO ${this.table} AS t (tag, at) SELECT unnest($1::text[]), $2::float8 ON CONFLICT (tag) DO UPDATE SET at = GREATEST(t.at, excluded.at)`,
        [[...new Set(tags)], at],
      ),
      this.#timeout,
      'tag-store',
      'invalidate',
    );
  }

  remember(tags: readonly string[], at: Ms): void {
    this.#times.remember(tags, at);
  }

  /** Reloads every stamp, keeping the larger of local and stored. */
  async refresh(): Promise<void> {
    await this.#ensure();
    const { rows } = await withTimeout(
      this.#client.query(`SELECT tag, at FROM ${this.table}`),
      this.#timeout,
      'tag-store',
      'refresh',
    );
    for (const row of rows as { tag: string; at: number }[]) {
      if (Number.isFinite(Number(row.at))) this.remember([row.tag], Number(row.at));
    }
  }

  /** Forgets stamps older than `before`, here and in the table. */
  async prune(before: Ms): Promise<number> {
    const removed = this.#times.prune(before);
    await this.#ensure();
    const { rows } = await withTimeout(
      this.#client.query(`DELETE FROM ${this.table} WHERE at < $1 RETURNING 1 AS x`, [before]),
      this.#timeout,
      'tag-store',
      'prune',
    );
    return Math.max(removed, rows.length);
  }

  /** Creates the table if needed and loads the stored stamps; call once at startup. */
  init(): Promise<void> {
    return this.refresh();
  }

  #ensure(): Promise<void> {
    this.#schema ??= (async () => {
      const create = `CREATE TABLE IF NOT EXISTS ${this.table} (tag text PRIMARY KEY, at double precision NOT NULL)`;
      try {
        await this.#client.query(create);
      } catch {
        // Two processes creating it at once: the loser sees a duplicate type; the table exists now.
        await this.#client.query(create);
      }
    })().catch((error: unknown) => {
      this.#schema = undefined;
      throw error;
    });
    return this.#schema;
  }
}

/** Creates a PostgreSQL tag store. */
export function postgresTagStore(options: PostgresTagStoreOptions): PostgresTagStore {
  return new PostgresTagStore(options);
}
