import { describe, expect, it } from 'vitest';
import { ConfigError, describeMode, loadConfig } from './config.ts';

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
