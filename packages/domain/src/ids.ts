/**
 * Entity ids. Every id is reduced to one canonical text form before it reaches a key or a tag, so
 * `12` and `"12"` share a key while `"012"`, `"12 "` or `"12_metrics"` can never forge or alias one.
 */
import { z } from 'zod';
import { DomainError, DomainErrorCodes, describeInput } from './errors.ts';

declare const idBrand: unique symbol;

/**
 * A validated id in canonical form: a decimal positive safe integer (`"12"`) or a lower-case UUID.
 * Branded so an unchecked string cannot be passed where a checked id is required.
 */
export type Id = string & { readonly [idBrand]: 'Id' };

/** What callers may pass where an id is expected (a route param, a database row); checked by {@link parseId}. */
export type IdInput = number | string;

// At most 16 digits: anything longer is above Number.MAX_SAFE_INTEGER, and the bound keeps Number() cheap.
const DECIMAL_ID = /^[1-9][0-9]{0,15}$/;
const UUID_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EXPECTED =
  'expected a positive safe integer (a number, or decimal digits without sign, leading zeros or spaces) ' +
  'or a UUID in 8-4-4-4-12 hex form';

function canonicalId(input: unknown): Id | undefined {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input > 0 ? (String(input) as Id) : undefined;
  }
  if (typeof input !== 'string') return undefined;
  if (DECIMAL_ID.test(input)) return Number.isSafeInteger(Number(input)) ? (input as Id) : undefined;
  if (UUID_ID.test(input)) return input.toLowerCase() as Id;
  return undefined;
}

/** Zod schema for ids in route params and payloads; its output is the canonical {@link Id}. */
export const IdSchema = z
  .union([z.number(), z.string()], { error: (issue) => `invalid id ${describeInput(issue.input)}: ${EXPECTED}` })
  .transform((input, ctx): Id => {
    const id = canonicalId(input);
    if (id !== undefined) return id;
    ctx.issues.push({ code: 'custom', message: `invalid id ${describeInput(input)}: ${EXPECTED}`, input });
    return z.NEVER;
  });

/** Validates and canonicalises an id; throws `E_INVALID_ID` so a bad id never reaches a key. */
export function parseId(input: unknown): Id {
  const id = canonicalId(input);
  if (id === undefined) {
    throw new DomainError(DomainErrorCodes.INVALID_ID, `invalid id ${describeInput(input)}: ${EXPECTED}`);
  }
  return id;
}
