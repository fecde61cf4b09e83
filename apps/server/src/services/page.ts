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
/** The largest id of an `integer` column; `bigint` ids (the audit log) may go to 2^53 − 1. */
export const MAX_ROW_ID = 2_147_483_647;
// The widest time range a cursor may name: inside both JavaScript's Date and PostgreSQL's timestamptz.
const MAX_TIME_MS = 8_640_000_000_000_000;

const invalidCursor = () =>
  new AppError('E_VALIDATION', 'invalid cursor: pass back the nextCursor of the previous page');
const validId = (id: unknown, maxId: number): id is number =>
  typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 && id <= maxId;

/** Encodes the id a page ended on. */
export const encodeCursor = (id: number): string => PREFIX + Buffer.from(String(id)).toString('base64url');

/**
 * The page of `?cursor=&limit=`; a cursor this server did not make is a 400, including one whose
 * id is past what the column can hold (`maxId`), which the database would refuse with an error.
 */
export function pageOf(
  query: { cursor?: string | undefined; limit?: number | undefined },
  maxId = MAX_ROW_ID,
): PageRequest {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  if (query.cursor === undefined) return { after: undefined, limit };
  const text = query.cursor.startsWith(PREFIX)
    ? Buffer.from(query.cursor.slice(PREFIX.length), 'base64url').toString()
    : '';
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : undefined;
  if (!validId(id, maxId)) throw invalidCursor();
  return { after: id, limit };
}

/** The cursor of a list ordered by a time then an id (newest first): the last row's pair. */
export const encodeTimeCursor = (at: Date, id: number): string =>
  Buffer.from(JSON.stringify([at.getTime(), id])).toString('base64url');

/** Decodes {@link encodeTimeCursor}; anything else (a time outside the range, an id too large) is a 400. */
export function decodeTimeCursor(cursor: string): { at: Date; id: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalidCursor();
  const [at, id] = parsed as unknown[];
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0 || at > MAX_TIME_MS || !validId(id, MAX_ROW_ID))
    throw invalidCursor();
  return { at: new Date(at), id };
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
