/**
 * Everything the library throws is a coded CacheError that keeps its cause: checked on the error
 * classes themselves, and on the sources (no plain Error, TypeError or RangeError is thrown
 * outside the test helpers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as errors from './errors.ts';

const SRC = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('errors', () => {
  const classes = Object.values(errors).filter(
    (value) => typeof value === 'function' && value.prototype instanceof errors.CacheError,
  );

  it('exports every error class, each with its own code from CacheErrorCodes', () => {
    expect(classes.length).toBeGreaterThanOrEqual(16);
    const codes = new Set(Object.values(errors.CacheErrorCodes));
    const samples: errors.CacheError[] = [
      new errors.CacheKeyError('k'),
      new errors.CacheArgumentError('a'),
      new errors.CacheBackendError('b'),
      new errors.CacheLoadResultError(2, [1]),
      new errors.CacheTierTimeoutError('redis', 'get', 50),
      new errors.CacheClosedError(),
    ];
    for (const error of samples) {
      expect(error).toBeInstanceOf(errors.CacheError);
      expect(codes.has(error.code)).toBe(true);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('keeps the cause', () => {
    const cause = new Error('driver said no');
    expect(new errors.CacheBackendError('redis failed', { cause }).cause).toBe(cause);
    expect(new errors.CacheOptionsError('bad option', { cause }).cause).toBe(cause);
    expect(new errors.CacheCorruptEntryError('bad entry', { cause }).cause).toBe(cause);
  });

  it('is all the library throws: no plain Error, TypeError or RangeError in its sources', () => {
    const plain = /\bnew (Error|TypeError|RangeError)\(/;
    const found = sources(SRC)
      .filter((file) => plain.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(found).toEqual([]);
  });
});
