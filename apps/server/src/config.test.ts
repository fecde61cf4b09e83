import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, describeMode, loadConfig } from './config.ts';

/** The README's configuration table: variable → its default column, as written. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Configuration');
  const table = new Map<string, string>();
  for (const line of readme.slice(start, readme.indexOf('\n## ', start + 1)).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
    for (const name of cells[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)) table.set(name[1]!, cells[2]!);
  }
  return table;
}

describe('configuration', () => {
  it('has working defaults for the embedded mode', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 3000,
      DATA_DIR: './data',
      CACHE_L2_TTL_MS: 3_600_000,
      JOB_RESULT_TTL_MS: 3_600_000,
    });
    expect(describeMode(config)).toEqual({ database: 'pglite', cache: 'database' });
  });

  it('is the README table: the same variables, each default as the code has it', () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual([...CONFIG_VARIABLES].sort());
    const defaults = loadConfig({}) as Record<string, unknown>;
    // A cell may hold several variables' defaults (`127.0.0.1`, `3000`), each in backquotes.
    const undocumented = CONFIG_VARIABLES.filter((name) => {
      const value = defaults[name];
      if (typeof value !== 'number' && typeof value !== 'string') return false;
      return !table.get(name)!.includes(`\`${value}\``);
    });
    expect(undocumented).toEqual([]);
  });

  it('names every wrong variable in one message', () => {
    const attempt = () =>
      loadConfig({ PORT: 'abc', REDIS_URL: 'http://x', SECRET_KEY: 'short', CACHE_L1_TTL_MS: '-5' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT: must be a port number from 0 to 65535/);
    expect(attempt).toThrow(/REDIS_URL: must start with redis:\/\/ or rediss:\/\//);
    expect(attempt).toThrow(/SECRET_KEY: must be 32 bytes encoded in base64/);
    expect(attempt).toThrow(/CACHE_L1_TTL_MS: must be positive/);
  });

  it('selects the services mode from the URLs', () => {
    expect(describeMode(loadConfig({ DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h' }))).toEqual({
      database: 'postgres',
      cache: 'redis',
    });
    expect(describeMode(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000,b:7001' })).cache).toBe('redis-cluster');
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a' })).toThrow(/host:port pairs/);
  });
});
