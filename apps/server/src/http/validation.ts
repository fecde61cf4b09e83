/**
 * Input parsing for routes, failing with coded 400s. The schemas themselves are the API's contract
 * and live in @agiletrack/domain.
 */
import { parseId } from '@agiletrack/domain';
import type { z } from 'zod';
import { AppError } from '../errors.ts';

/** Parses `input` with `schema` or throws E_VALIDATION naming the first problems. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : what}: ${issue.message}`)
    .join('; ');
  throw new AppError('E_VALIDATION', `invalid ${what}: ${problems}`);
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
