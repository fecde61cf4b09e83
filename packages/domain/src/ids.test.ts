import { describe, expect, it } from 'vitest';
import { DomainError, DomainErrorCodes } from './errors.ts';
import { IdSchema, parseId } from './ids.ts';

const UUID = '3f2b8c4e-9a1d-4e7f-8b2a-6c5d4e3f2a1b';

function idError(input: unknown): DomainError {
  try {
    parseId(input);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`parseId accepted ${String(input)}`);
}

describe('parseId', () => {
  it.each([
    [1, '1'],
    [12, '12'],
    ['12', '12'],
    ['120', '120'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    ['9007199254740991', '9007199254740991'],
    [UUID, UUID],
  ])('accepts %j as %s', (input, expected) => {
    expect(parseId(input)).toBe(expected);
  });

  it('gives the number 12 and the string "12" the same id', () => {
    expect(parseId(12)).toBe(parseId('12'));
  });

  it('normalises an upper-case or mixed-case UUID to lower case', () => {
    expect(parseId(UUID.toUpperCase())).toBe(UUID);
    expect(parseId('3F2B8C4E-9a1d-4E7F-8b2a-6C5D4E3F2A1B')).toBe(UUID);
  });

  it.each([
    ['zero', 0],
    ['negative zero', -0],
    ['a negative integer', -1],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['2**53 (not a safe integer)', 2 ** 53],
    ['an empty string', ''],
    ['"0"', '0'],
    ['a leading zero', '01'],
    ['leading zeros', '012'],
    ['a decimal point', '1.0'],
    ['a sign', '-1'],
    ['a plus sign', '+1'],
    ['an exponent', '1e3'],
    ['a leading space', ' 1'],
    ['a trailing space', '12 '],
    ['a trailing newline', '12\n'],
    ['a separator', '1_2'],
    ['a key suffix', '12_metrics'],
    ['letters', 'abc'],
    ['hex digits', '0x10'],
    ['full-width digits', '１２'],
    ['a decimal string above MAX_SAFE_INTEGER', '9007199254740992'],
    ['a 17-digit string', '12345678901234567'],
    ['a UUID in braces', `{${UUID}}`],
    ['a UUID without hyphens', UUID.replaceAll('-', '')],
    ['a URN UUID', `urn:uuid:${UUID}`],
    ['a UUID with a trailing space', `${UUID} `],
    ['a UUID with a non-hex digit', `${UUID.slice(0, -1)}g`],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['a bigint', 12n],
    ['an object', { id: 12 }],
    ['an array', [12]],
  ])('rejects %s with E_INVALID_ID', (_label, input) => {
    const error = idError(input);
    expect(error.code).toBe(DomainErrorCodes.INVALID_ID);
    expect(error.message).toMatch(/positive safe integer .* or a UUID/);
  });

  it('quotes the rejected input so the caller can see what was wrong', () => {
    expect(idError('012').message).toContain('"012"');
    expect(idError(1.5).message).toContain('1.5');
  });
});

describe('IdSchema', () => {
  it('outputs the same canonical id as parseId', () => {
    expect(IdSchema.parse(12)).toBe('12');
    expect(IdSchema.parse('12')).toBe('12');
    expect(IdSchema.parse(UUID.toUpperCase())).toBe(UUID);
  });

  it.each(['012', '12 ', 0, 2 ** 53, null, {}])('fails on %j with the id message', (input) => {
    const result = IdSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/^invalid id .*: expected a positive safe integer/);
  });
});
