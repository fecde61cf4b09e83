/**
 * Pagination of every list: an opaque cursor (the last row's id, encoded so clients do not build
 * their own) and a limit. Lists read `limit + 1` rows to learn whether another page follows.
 */
import { DEFAULT_PAGE_LIMIT } from '@agiletrack/domain';
import { AppError } from '../errors.ts';

/** Where a page starts and how long it is. */
export interface PageRequest {
  /** The id the previous page ended on (exclusive); undefined for the first page. */
  readonly after: number | undefined;
  readonly limit: number;
}

/** A page of rows and the cursor of the next one (`null` on the last page). */
export interface PageResult<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

const PREFIX = 'c1.';

/** Encodes the id a page ended on. */
export const encodeCursor = (id: number): string => PREFIX + Buffer.from(String(id)).toString('base64url');

/** The page of `?cursor=&limit=`; a cursor this server did not make is a 400. */
export function pageOf(query: { cursor?: string | undefined; limit?: number | undefined }): PageRequest {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  if (query.cursor === undefined) return { after: undefined, limit };
  const text = query.cursor.startsWith(PREFIX)
    ? Buffer.from(query.cursor.slice(PREFIX.length), 'base64url').toString()
    : '';
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new AppError('E_VALIDATION', 'invalid cursor: pass back a nextCursor');
  return { after: Number(text), limit };
}

/** Cuts `rows` (read with `limit + 1`) to a page; `idOf` gives the cursor of its last row. */
export function toPage<T>(rows: T[], page: PageRequest, idOf: (row: T) => number): PageResult<T> {
  const items = rows.slice(0, page.limit);
  const more = rows.length > page.limit;
  return { items, nextCursor: more && items.length > 0 ? encodeCursor(idOf(items.at(-1)!)) : null };
}

/** Pages a list already in memory, sorted by ascending id (a cached list). */
export function pageInMemory<T>(rows: readonly T[], page: PageRequest, idOf: (row: T) => number): PageResult<T> {
  const start = page.after === undefined ? 0 : rows.findIndex((row) => idOf(row) > page.after!);
  if (start === -1) return { items: [], nextCursor: null };
  if (start === 0 && rows.length <= page.limit) return { items: rows as T[], nextCursor: null };
  return toPage(rows.slice(start, start + page.limit + 1), page, idOf);
}
