/**
 * The CLI's cache commands against a running server, as real processes: stats and families show
 * the server's figures, clear and warm act on it (warm with a progress bar), monitor prints an
 * operation another client causes, and the exit codes say who must act (1 the server, 2 the user).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { formatOp, progressBar, runCacheCommand } from './cache-commands.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  });
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stdout.on('data', (chunk: Buffer) => {
    run.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString();
  });
  return run;
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('cache CLI against a running server', () => {
  let t: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await startTestServer('postgres');
    const url = await t.server.app.listen({ port: 0, host: '127.0.0.1' });
    env = { AGILETRACK_URL: url, AGILETRACK_TOKEN: t.tokens.admin };
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Runs a command in this process (the same code the CLI runs); `spawned` runs the real CLI. */
  const run = async ([command, ...args]: string[], extra: Record<string, string> = {}) => {
    const out: string[] = [];
    let stderr = '';
    const code = await runCacheCommand(
      command!,
      args,
      { ...env, ...extra },
      {
        out: (line) => out.push(line),
        err: (text) => {
          stderr += text;
        },
        tty: false,
      },
    );
    return { code, stdout: out.join('\n'), stderr };
  };
  const spawned = async (args: string[]) => {
    const r = start(args, env);
    const code = await r.exit;
    return { code, stdout: r.stdout, stderr: r.stderr };
  };

  it('cache:stats and --families print the server’s figures', async () => {
    await t.request({ method: 'GET', url: `/api/teams/${t.ids.teamA}` });
    const stats = await spawned(['cache:stats']);
    expect(stats.code, stats.stderr).toBe(0);
    const parsed = JSON.parse(stats.stdout);
    expect(parsed.mode).toEqual({ database: 'postgres', cache: 'database' });
    expect(parsed.cache.tiers.map((tier: { name: string }) => tier.name)).toEqual(['memory', 'postgres']);
    expect(parsed.cache.families.team.hits + parsed.cache.families.team.misses).toBeGreaterThan(0);
    expect((await run(['cache:stats', '--families'])).code).toBe(0);
  });

  it('cache:clear clears on the server, and refuses two selectors with exit code 2', async () => {
    await t.request({ method: 'GET', url: '/api/teams' });
    const cleared = await run(['cache:clear', '--key', 'teams']);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(JSON.parse(cleared.stdout)).toEqual({ cleared: { key: 'teams' } });
    const both = await run(['cache:clear', '--key', 'teams', '--tag', 'team:1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/at most one/);
    // Everything only when asked for: --all, or a yes from a person at a terminal.
    const bare = await run(['cache:clear']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--all to clear everything/);
    expect(JSON.parse((await run(['cache:clear', '--all'])).stdout)).toEqual({ cleared: 'all' });
  });

  it('cache:warm warms every team with a progress bar', async () => {
    const before = t.server.deps.serverCache.cache.stats().getOrSet.factoryCalls;
    const warm = await run(['cache:warm']);
    expect(warm.code, warm.stderr).toBe(0);
    expect(JSON.parse(warm.stdout)).toMatchObject({ warmed: { teams: 2 } });
    expect(warm.stderr).toContain(`warming ${progressBar(2, 2)}`);
    expect(t.server.deps.serverCache.cache.stats().getOrSet.factoryCalls).toBeGreaterThan(before);
  });

  it('cache:monitor (the real CLI process) prints an operation another client makes', async () => {
    const monitor = start(['cache:monitor', '--family', 'team', '--limit', '1'], env);
    try {
      await until(() => monitor.stderr.includes('watching'), 'the monitor to start');
      const response = await t.request({ method: 'GET', url: `/api/teams/${t.ids.teamB}`, as: 'bob' });
      expect(response.statusCode).toBe(200);
      expect(await monitor.exit).toBe(0);
      expect(monitor.stdout).toMatch(new RegExp(` team +(hit|miss) +\\S+ +[0-9.]+ms +team_${t.ids.teamB}\\n$`));
    } finally {
      monitor.child.kill();
    }
  });

  it('exits 2 without a token or with a refused one, 1 when the server cannot be reached', async () => {
    const none = await run(['cache:stats'], { AGILETRACK_TOKEN: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/AGILETRACK_TOKEN/);
    const member = await run(['cache:stats'], { AGILETRACK_TOKEN: t.tokens.alice });
    expect(member.code).toBe(2);
    expect(member.stderr).toMatch(/E_FORBIDDEN/);
    const badFilter = await run(['cache:monitor', '--outcome', 'sideways']);
    expect(badFilter.code).toBe(2);
    const down = await run(['cache:stats'], { AGILETRACK_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach/);
  });

  it('formats a monitor line', () => {
    expect(
      formatOp({
        at: Date.UTC(2026, 0, 1, 12, 0, 1, 123),
        instance: 'a1b2c3d4-x',
        family: 'team_metrics',
        outcome: 'hit',
        tier: 'memory',
        ms: 0.0213,
        key: 'team_12_metrics',
      }),
    ).toBe('12:00:01.123 a1b2c3d4 team_metrics      hit     memory   0.021ms    team_12_metrics');
  });
});
