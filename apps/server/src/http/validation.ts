/**
 * Input parsing for routes, failing with coded 400s. The shapes themselves live in
 * @agiletrack/domain, next to the routes that feed the OpenAPI document.
 */
import { installHumanMessages, parseId, validationMessage } from '@agiletrack/domain';
import type { z } from 'zod';
import { AppError } from '../errors.ts';

// The schemas' checks speak plain language ("must be at most 254 characters") in every answer.
installHumanMessages();

/**
 * Parses `input` with `schema` or throws E_VALIDATION naming the first problems. Before any
 * schema runs, every request passes two checks that no schema can forget: text carries no
 * control characters (NUL and the like, which PostgreSQL refuses), and every integer under an
 * id field (`id`, `…Id`, `…Ids`) fits the database's integer columns.
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.output<S> {
  const unsafe = findUnsafe(input, []);
  if (unsafe)
    throw new AppError('E_VALIDATION', `invalid ${what}: ${unsafe.path.join('.') || what}: ${unsafe.problem}`);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError('E_VALIDATION', validationMessage(result.error.issues, what));
}

// C0 controls but tab, line feed and carriage return; DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const ID_FIELD = /^(id|.+Id|.+Ids)$/;

function findUnsafe(
  value: unknown,
  path: (string | number)[],
  idField = false,
  depth = 0,
): { path: (string | number)[]; problem: string } | undefined {
  if (depth > 32) return { path, problem: 'nested too deeply' };
  if (typeof value === 'string') {
    return CONTROL.test(value) ? { path, problem: 'must not contain control characters (such as NUL)' } : undefined;
  }
  if (typeof value === 'number') {
    return idField && Number.isFinite(value) && Math.abs(value) > MAX_INT4
      ? { path, problem: `must be an id from 1 to ${MAX_INT4}` }
      : undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafe(item, [...path, index], idField, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (CONTROL.test(key))
        return { path: [...path, key], problem: 'field names must not contain control characters' };
      const found = findUnsafe(item, [...path, key], ID_FIELD.test(key), depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

const MAX_INT4 = 2_147_483_647;

/**
 * Parses a route id: a positive integer or a UUID, else E_INVALID_ID. Our
 * tables use integer ids, so a UUID (or an integer past the column's range) names nothing: `null`.
 */
export function parseRouteId(raw: unknown, name: string): number | null {
  let id: string;
  try {
    id = parseId(raw);
  } catch (error) {
    throw new AppError('E_INVALID_ID', `${name} must be a positive integer or a UUID, got ${JSON.stringify(raw)}`, {
      cause: error,
    });
  }
  if (!/^[0-9]+$/.test(id)) return null;
  const n = Number(id);
  return n <= MAX_INT4 ? n : null;
}
