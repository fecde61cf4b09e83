/**
 * The stored-entry header, defined once. Every encoded entry starts with these fields, in this
 * order, so a store can judge an entry without decoding it:
 *
 *   {"v":1,"timestamp":<createdAt>,"expiresAt":<ms>,"staleUntil":<ms>[,"keep":<ms>]…
 *
 * A write fence (a tombstone left by a delete, see `tiers/fence.ts`) is `~fence:<stamp>` instead.
 * Three readers need the stamp or the times without a JSON parser: the web-storage tier (this
 * module's pattern), the Redis tier (a Lua function built here) and the Postgres tier (an SQL
 * expression built here). `header.test.ts` checks that all three agree with the codec.
 */
import type { Entry, Ms } from '../types.ts';

/** The format version written first in every entry. */
export const HEADER_VERSION = 1;

/** Every tombstone starts with this (never valid codec output, which is a JSON object). */
export const FENCE_PREFIX = '~fence:';

/** What every header starts with, up to the creation stamp's digits. */
const STAMP_LEAD = `{"v":${HEADER_VERSION},"timestamp":`;

/**
 * The numbers a header may hold: JSON numbers with at most 20 integer digits and a two-digit
 * exponent, so every reader (including a float8 cast) takes them without overflow. JavaScript
 * writes every clock value in this shape; anything else is "no stamp" to all three readers.
 */
const MAX_INT_DIGITS = 20;
const MAX_EXP_DIGITS = 2;
const NUMBER_SOURCE = `-?[0-9]{1,${MAX_INT_DIGITS}}(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]{1,${MAX_EXP_DIGITS}})?`;
/** Characters of such a number, for scanning to where it ends. */
const NUMBER_CHARS = '-+0-9.eE';

/** The fixed leading fields of an entry, without the closing brace (the codec appends the rest). */
export function writeHeader(entry: Entry, keepUntil: Ms | undefined): string {
  const head = `${STAMP_LEAD}${entry.createdAt},"expiresAt":${entry.expiresAt},"staleUntil":${entry.staleUntil}`;
  return keepUntil === undefined ? head : `${head},"keep":${keepUntil}`;
}

/** The times read from a header. */
export interface StoredHeader {
  /** The entry's `createdAt`. */
  readonly timestamp: Ms;
  readonly expiresAt: Ms;
  readonly staleUntil: Ms;
  /** The tier's own expiry, when it stored one. */
  readonly keep: Ms | undefined;
}

const WHOLE_NUMBER = new RegExp(`^${NUMBER_SOURCE}$`);
const NUMBER_RUN = new RegExp(`^[${NUMBER_CHARS}]+`);
const EXPIRES_AT = ',"expiresAt":';
const STALE_UNTIL = ',"staleUntil":';
const KEEP = ',"keep":';
const [MINUS, PLUS, DOT, COMMA, CLOSE] = ['-', '+', '.', ',', '}'].map((c) => c.charCodeAt(0)) as number[];
// Integers of up to 15 digits are exact when summed digit by digit; longer ones go through Number().
const EXACT_DIGITS = 15;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

// The number being read by `readNumber`: its value is left here, its end is returned.
let numberValue = 0;

/**
 * Reads the header number (NUMBER_SOURCE's shape) starting at `at` in one pass: returns where it
 * ends (-1 if there is none) and leaves its value in `numberValue`. Integers of up to 15 digits
 * are summed digit by digit (exact); anything longer or with a fraction or exponent goes through
 * `Number()`.
 */
function readNumber(raw: string, at: number): number {
  const negative = raw.charCodeAt(at) === MINUS;
  let i = negative ? at + 1 : at;
  const digits = i;
  let n = 0;
  let c = raw.charCodeAt(i);
  while (c >= 48 && c <= 57) {
    n = n * 10 + (c - 48);
    c = raw.charCodeAt(++i);
  }
  if (i === digits || i - digits > MAX_INT_DIGITS) return -1;
  let exact = i - digits <= EXACT_DIGITS;
  if (c === DOT) {
    const fraction = ++i;
    while (isDigit(raw.charCodeAt(i))) i++;
    if (i === fraction) return -1;
    exact = false;
    c = raw.charCodeAt(i);
  }
  if (c === 101 || c === 69) {
    const sign = raw.charCodeAt(++i);
    if (sign === PLUS || sign === MINUS) i++;
    const exponent = i;
    while (isDigit(raw.charCodeAt(i))) i++;
    if (i === exponent || i - exponent > MAX_EXP_DIGITS) return -1;
    exact = false;
  }
  numberValue = exact ? (negative ? -n : n) : Number(raw.slice(at, i));
  return i;
}

/**
 * The header of an encoded entry, or `undefined` when `raw` does not start with one (a fence,
 * another writer's data, or a well-formed entry written in an unusual order: decode it fully).
 * A scan without regular expressions or substrings: a store reads it for every entry it judges.
 */
export function readHeader(raw: string): StoredHeader | undefined {
  if (!raw.startsWith(STAMP_LEAD)) return undefined;
  let end = readNumber(raw, STAMP_LEAD.length);
  const timestamp = numberValue;
  if (end < 0 || !raw.startsWith(EXPIRES_AT, end)) return undefined;
  end = readNumber(raw, end + EXPIRES_AT.length);
  const expiresAt = numberValue;
  if (end < 0 || !raw.startsWith(STALE_UNTIL, end)) return undefined;
  end = readNumber(raw, end + STALE_UNTIL.length);
  const staleUntil = numberValue;
  if (end < 0) return undefined;
  let keep: Ms | undefined;
  if (raw.startsWith(KEEP, end)) {
    const keepEnd = readNumber(raw, end + KEEP.length);
    if (keepEnd >= 0) {
      keep = numberValue;
      end = keepEnd;
    }
  }
  const next = raw.charCodeAt(end);
  if (next !== COMMA && next !== CLOSE) return undefined;
  return { timestamp, expiresAt, staleUntil, keep };
}

const stampOf = (text: string): Ms | undefined => (WHOLE_NUMBER.test(text) ? Number(text) : undefined);

/**
 * The stamp of a stored string: a fence's stamp or an entry's `createdAt`; `undefined` for
 * anything else. The reference that {@link luaStoredStamp} and {@link sqlStoredStamp} match.
 */
export function storedStamp(raw: string): Ms | undefined {
  if (raw.startsWith(FENCE_PREFIX)) return stampOf(raw.slice(FENCE_PREFIX.length));
  if (!raw.startsWith(STAMP_LEAD)) return undefined;
  return stampOf(NUMBER_RUN.exec(raw.slice(STAMP_LEAD.length))?.[0] ?? '');
}

/**
 * Lua for Redis scripts defining `stored_stamp(raw)`: the same as {@link storedStamp}, `nil`
 * where it gives `undefined`. Lua patterns have no bounded repeats, so the number's shape is
 * checked piece by piece. A function, so browser bundles that never call it leave it out.
 */
export const luaStoredStamp = (): string => `
local function stamp_of(s)
  if s == nil then return nil end
  local int, rest = string.match(s, '^%-?(%d+)(.*)$')
  if int == nil or #int > ${MAX_INT_DIGITS} then return nil end
  if string.sub(rest, 1, 1) == '.' then
    rest = string.match(rest, '^%.%d+(.*)$')
    if rest == nil then return nil end
  end
  if rest ~= '' then
    local exp = string.match(rest, '^[eE][-+]?(%d+)$')
    if exp == nil or #exp > ${MAX_EXP_DIGITS} then return nil end
  end
  return tonumber(s)
end
local function stored_stamp(raw)
  if string.sub(raw, 1, ${FENCE_PREFIX.length}) == ${luaString(FENCE_PREFIX)} then
    return stamp_of(string.sub(raw, ${FENCE_PREFIX.length + 1}))
  end
  return stamp_of(string.match(raw, ${luaString(`^${escapeLuaPattern(STAMP_LEAD)}([${NUMBER_CHARS.replace('0-9', '%d')}]+)`)}))
end
`;

/**
 * A PostgreSQL expression (float8) for the stamp of the text column `column`: the same as
 * {@link storedStamp}, NULL where it gives `undefined`. Shapes are tested before the cast, so a
 * malformed value gives NULL rather than failing the statement.
 */
export function sqlStoredStamp(column: string): string {
  const whole = sqlString(`^${NUMBER_SOURCE}$`);
  const cast = (text: string) => `CASE WHEN ${text} ~ ${whole} THEN (${text})::float8 END`;
  const fenceRest = `substr(${column}, ${FENCE_PREFIX.length + 1})`;
  const entryRun = `substring(${column} from ${sqlString(`^${escapeRegExp(STAMP_LEAD)}([${NUMBER_CHARS}]+)`)})`;
  return `(CASE WHEN ${sqlIsFence(column)} THEN ${cast(fenceRest)} ELSE ${cast(entryRun)} END)`;
}

/** A PostgreSQL condition: the text column `column` holds a fence. */
export function sqlIsFence(column: string): string {
  return `starts_with(${column}, ${sqlString(FENCE_PREFIX)})`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

function escapeLuaPattern(text: string): string {
  return text.replace(/[%^$().[\]*+\-?]/g, '%$&');
}

function luaString(text: string): string {
  return `'${text.replace(/[\\']/g, '\\$&')}'`;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
