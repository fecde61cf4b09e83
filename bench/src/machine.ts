/** What the numbers were measured on: hardware, OS, runtime and the exact library versions. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { BENCH_DIR } from './config.ts';

/** The machine a run happened on. */
export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  os: string;
  /** 1, 5 and 15-minute load averages when the run started. */
  loadAtStart: readonly number[];
}

/** Every library measured (and the harness), as `[name, version]`. */
export const MEASURED_PACKAGES = [
  '@agiletrack/cache',
  'lru-cache',
  'bentocache',
  'cache-manager',
  'cacheable',
  '@cacheable/memory',
  'keyv',
  '@keyv/redis',
  'ioredis',
  'mitata',
] as const;

const GiB = 1024 ** 3;

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
    if (model) return model;
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown';
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(text)?.[1];
    if (pretty) return `${pretty}, kernel ${release()}`;
  } catch {
    // Not Linux.
  }
  return `${process.platform} ${release()}`;
}

/** Describes this machine now. */
export function describeMachine(): Machine {
  return {
    cpu: cpuModel(),
    cores: cpus().length,
    memory: `${(totalmem() / GiB).toFixed(1)} GiB (${(freemem() / GiB).toFixed(1)} GiB free at start)`,
    node: process.version,
    os: osName(),
    loadAtStart: loadavg(),
  };
}

/**
 * The installed version of `name`, read from its package.json the way Node resolves it
 * (nearest `node_modules` up from the bench workspace). Some packages do not export
 * `./package.json`, so the file is read directly.
 */
export function packageVersion(name: string): string {
  let dir = BENCH_DIR;
  for (;;) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    const parent = dirname(dir);
    if (parent === dir) return 'not installed';
    dir = parent;
  }
}

/** `redis-server --version`, or `undefined` when it is not installed. */
export function redisServerVersion(): string | undefined {
  try {
    const text = execFileSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5_000 });
    return /v=(\S+)/.exec(text)?.[1] ?? text.trim();
  } catch {
    return undefined;
  }
}
