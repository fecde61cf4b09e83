/**
 * The library as a user gets it: built, packed with `npm pack`, installed from the tarball into
 * plain JavaScript projects, and run under plain `node` (no TypeScript, no workspace).
 *
 * - Every subpath is imported in its own child process, in a project with no optional peer, one
 *   with only `ioredis` and one with only `pg`: it loads exactly when the peers it needs are there.
 * - With only `ioredis`: memory + Redis tiers and `getOrSetMany` against real Redis.
 * - With only `pg`: the Postgres tier, bus and tag store (two instances) against real PostgreSQL.
 *
 * Installs prefer the local npm cache (filled by `npm ci`), so no test run waits on the network
 * when the cache holds the packages.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACE = join(PACKAGE_DIR, '../..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
};

/** The optional peers each subpath needs at run time (type-only imports need none). */
const NEEDS: Record<string, string[]> = {
  '.': [],
  './errors': [],
  './contracts': [],
  './tiers/memory': [],
  './tiers/web-storage': [],
  './redis': ['ioredis'],
  './postgres': [],
  './codec/encryption': [],
  './adapters/drizzle': ['drizzle-orm'],
  './adapters/react': ['react'],
  './adapters/tanstack-persister': [],
  './testing': ['vitest'],
  './testing/redis-cluster': [],
  './testing/tcp-proxy': [],
};

// The child processes run the installed JavaScript: the workspace's source condition is not theirs.
const { NODE_OPTIONS: _, ...childEnv } = process.env;

const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(join(WORKSPACE, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, env: childEnv, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** A plain JavaScript project with the tarball and `peers` installed. */
async function project(root: string, name: string, tarball: string, peers: string[]): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir);
  const dependencies: Record<string, string> = { [manifest.name]: `file:${tarball}` };
  for (const peer of peers) dependencies[peer] = versionOf(peer);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module', dependencies }));
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], dir);
  return dir;
}

/** Runs `code` as an ES module under plain node in `dir`; resolves with its stdout. */
async function node(dir: string, file: string, code: string, env: Record<string, string> = {}): Promise<string> {
  writeFileSync(join(dir, file), code);
  const { stdout } = await run(process.execPath, [file], { cwd: dir, env: { ...childEnv, ...env }, timeout: 60_000 });
  return stdout;
}

/** Imports `subpath` alone in a fresh process: 'ok', or the package it could not find. */
async function importAlone(dir: string, subpath: string): Promise<string> {
  const specifier = manifest.name + subpath.slice(1);
  const code = `try { await import(${JSON.stringify(specifier)}); console.log('ok'); }
catch (error) {
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(String(error?.message))?.[1];
  console.log(error?.code === 'ERR_MODULE_NOT_FOUND' && missing ? 'missing ' + missing : 'error ' + error?.message);
}`;
  return (await run(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, env: childEnv })).stdout.trim();
}

describe(`${manifest.name} as an installed package`, () => {
  let root: string;
  let bare: string;
  let withRedis: string;
  let withPg: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cache-package-'));
    await npm(['run', 'build', '--silent'], PACKAGE_DIR);
    const packed = await npm(['pack', '--pack-destination', root, '--silent'], PACKAGE_DIR);
    const tarball = join(root, packed.trim().split('\n').pop()!);
    [bare, withRedis, withPg] = await Promise.all([
      project(root, 'bare', tarball, []),
      project(root, 'with-redis', tarball, ['ioredis']),
      project(root, 'with-pg', tarball, ['pg']),
    ]);
  }, 300_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('ships ESM and declarations for every subpath, and no TypeScript sources', () => {
    expect(Object.keys(NEEDS).sort()).toEqual(Object.keys(manifest.exports).sort());
    const installed = join(bare, 'node_modules', manifest.name);
    const files = readdirSync(installed, { recursive: true }).map(String);
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const { types, default: js } = target as { types: string; default: string };
      expect(files, subpath).toContain(join(js));
      expect(files, subpath).toContain(join(types));
      expect(readFileSync(join(installed, types), 'utf8'), subpath).not.toMatch(/from '\.{1,2}\/[^']+\.ts'/);
    }
  });

  it('loads each subpath with only the optional peers it needs', async () => {
    const projects = {
      bare: [bare, []],
      'ioredis only': [withRedis, ['ioredis']],
      'pg only': [withPg, ['pg']],
    } as const;
    const cases = Object.entries(projects).flatMap(([label, [dir, installed]]) =>
      Object.entries(NEEDS).map(([subpath, needs]) => {
        const absent = needs.filter((peer) => !(installed as readonly string[]).includes(peer));
        return { label, dir, subpath, expected: absent.length === 0 ? 'ok' : `missing ${absent[0]}` };
      }),
    );
    const results = await Promise.all(cases.map(({ dir, subpath }) => importAlone(dir, subpath)));
    cases.forEach(({ label, subpath, expected }, i) => {
      expect(results[i], `${subpath} (${label})`).toBe(expected);
    });
  }, 120_000);

  it('with only ioredis: memory and Redis tiers, getOrSetMany, under plain node', async () => {
    const prefix = `cache-package-test:${randomBytes(6).toString('hex')}:`;
    const out = await node(
      withRedis,
      'redis.mjs',
      `import { createCache } from '@agiletrack/cache';
import { createRedisClient, closeRedisClient, redisTier, whenReady } from '@agiletrack/cache/redis';
import { memoryTier } from '@agiletrack/cache/tiers/memory';

const client = createRedisClient(process.env.REDIS_URL);
await whenReady(client);
const redis = redisTier({ client, prefix: process.env.PREFIX });
const cache = createCache({ tiers: [memoryTier(), redis], ttl: 60_000, tierDeadline: 5_000 });
const loads = [];
const load = (keys) => { loads.push(keys); return keys.map((key) => 'value of ' + key); };
await cache.set('b', 'cached b');
const first = await cache.getOrSetMany(['a', 'b', 'c'], load);
const other = createCache({ tiers: [memoryTier(), redisTier({ client, prefix: process.env.PREFIX })], tierDeadline: 5_000 });
const fromRedis = await other.getOrSetMany(['a', 'b', 'c'], load);
const stored = (await client.keys(process.env.PREFIX + '*')).sort();
await client.del(...stored);
await cache.close();
await other.close();
await closeRedisClient(client);
console.log(JSON.stringify({ first, fromRedis, loads, stored }));
`,
      { REDIS_URL, PREFIX: prefix },
    );
    expect(JSON.parse(out)).toEqual({
      first: ['value of a', 'cached b', 'value of c'],
      fromRedis: ['value of a', 'cached b', 'value of c'],
      loads: [['a', 'c']],
      stored: [`${prefix}a`, `${prefix}b`, `${prefix}c`],
    });
  }, 60_000);

  it('with only pg: the Postgres tier, bus and tag store across two instances, under plain node', async () => {
    const suffix = randomBytes(4).toString('hex');
    const out = await node(
      withPg,
      'postgres.mjs',
      `import pg from 'pg';
import { createCache } from '@agiletrack/cache';
import { pgListener, postgresBackplane } from '@agiletrack/cache/postgres';
import { memoryTier } from '@agiletrack/cache/tiers/memory';

const url = process.env.DATABASE_URL;
const suffix = process.env.SUFFIX;
const pool = new pg.Pool({ connectionString: url });
async function instance() {
  const shared = postgresBackplane({
    client: pool,
    listen: pgListener(() => new pg.Client({ connectionString: url })),
    tier: { table: 'cache_entries_' + suffix },
    tagStore: { table: 'cache_tags_' + suffix },
    bus: { channel: 'cache_bus_' + suffix },
  });
  await shared.init();
  const cache = createCache({ tiers: [memoryTier(), shared.tier], bus: shared.bus, tagStore: shared.tagStore, tierDeadline: 5_000 });
  await cache.ready();
  return { cache, bus: shared.bus };
}
const one = await instance();
const two = await instance();
const loads = [];
const rows = await one.cache.getOrSetMany(['team_1', 'team_2'], (keys) => { loads.push(keys); return keys.map((k) => k.toUpperCase()); });
await one.cache.set('team_3', 'three', { tags: ['team:3'] });
const before = await two.cache.get('team_3');
const received = two.bus.stats.received;
await one.cache.invalidateTags(['team:3']);
while (two.bus.stats.received === received) await new Promise((resolve) => setImmediate(resolve));
const after = await two.cache.get('team_3');
const viaTwo = await two.cache.getMany(['team_1', 'team_2']);
await one.cache.close();
await two.cache.close();
await pool.query('DROP TABLE cache_entries_' + suffix + ', cache_tags_' + suffix);
await pool.end();
console.log(JSON.stringify({ rows, loads, before, after: after ?? null, viaTwo }));
`,
      { DATABASE_URL, SUFFIX: suffix },
    );
    expect(JSON.parse(out)).toEqual({
      rows: ['TEAM_1', 'TEAM_2'],
      loads: [['team_1', 'team_2']],
      before: 'three',
      after: null,
      viaTwo: ['TEAM_1', 'TEAM_2'],
    });
  }, 60_000);
});
