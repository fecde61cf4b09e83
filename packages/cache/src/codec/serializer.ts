/**
 * Tagged JSON: plain JSON for plain data, and `{"$t": type, "v": …}` for the types JSON loses.
 *
 * Round trips `Date`, `Map`, `Set`, `BigInt`, `undefined` object properties are dropped and
 * `undefined` array items become `null` (as in JSON). An object that has its own `$t` key is
 * escaped, so user data can never be mistaken for a tag. Functions and symbols are refused.
 *
 * Chosen over devalue/superjson because the output stays readable JSON in Redis, Postgres and
 * localStorage (the readable `{"data": …}` shape), and it costs one JSON pass each way.
 */
import { CacheUnserializableError } from '../errors.ts';

const TAG = '$t';
const TAG_KEY = `"${TAG}"`;
const TAG_START = '$';

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // `value` has been through toJSON already (a Date is a string by now); the holder has the original.
  const raw = this[key];
  switch (typeof raw) {
    case 'object':
      if (raw === null) return null;
      if (raw instanceof Date) return { [TAG]: 'Date', v: raw.getTime() };
      if (raw instanceof Map) return { [TAG]: 'Map', v: [...raw] };
      if (raw instanceof Set) return { [TAG]: 'Set', v: [...raw] };
      if (!Array.isArray(raw) && Object.hasOwn(raw, TAG)) return { [TAG]: 'Obj', v: Object.entries(raw) };
      return value;
    case 'bigint':
      return { [TAG]: 'BigInt', v: raw.toString() };
    case 'function':
    case 'symbol':
      throw new CacheUnserializableError(`cannot serialize a ${typeof raw} (at "${key}")`);
    default:
      return value;
  }
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const tagged = value as { [TAG]?: unknown; v?: unknown };
  switch (tagged[TAG]) {
    case undefined:
      return value;
    case 'Date':
      return new Date(tagged.v as number);
    case 'Map':
      return new Map(tagged.v as [unknown, unknown][]);
    case 'Set':
      return new Set(tagged.v as unknown[]);
    case 'BigInt':
      return BigInt(tagged.v as string);
    case 'Obj':
      return Object.fromEntries(tagged.v as [string, unknown][]);
    default:
      return value;
  }
}

/** Serializes a value to tagged JSON text. Throws `CacheUnserializableError`. */
export function serialize(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, replacer);
  } catch (error) {
    if (error instanceof CacheUnserializableError) throw error;
    throw new CacheUnserializableError(`value cannot be serialized: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (text === undefined) throw new CacheUnserializableError('value serializes to nothing (undefined)');
  return text;
}

/** Parses tagged JSON text. Throws `SyntaxError` on malformed input. */
export function deserialize(text: string): unknown {
  // A reviver makes JSON.parse several times slower; text without a tag needs none. Looking for
  // one character first: searching for the whole tag costs a quarter of the parse itself.
  return text.indexOf(TAG_START) >= 0 && text.includes(TAG_KEY) ? JSON.parse(text, reviver) : JSON.parse(text);
}
