import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'agiletrack-cli-'));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    // A hang, not a slow start: the first command creates the database (PGlite's initdb), and
    // on a loaded machine with other test files beside it that alone has taken over a minute.
    timeout: 150_000,
  });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Each step starts a process (tsx, then PGlite): several seconds each on a busy machine.
describe('admin CLI', { timeout: 600_000 }, () => {
  it('refuses bad usage with exit code 2 and a message naming the problem, before touching data', () => {
    const unknown = run('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const bad = run('user:create', '--email', 'not-an-email', '--name', 'X');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--email: must be an email address/);
    const both = run('cache:clear', '--key', 'teams', '--tag', 'team:1');
    expect(both.status).toBe(2);
    const spaces = run('user:create', '--email', 'x@example.com', '--name', 'X', '--password', ' '.repeat(12));
    expect(spaces.status).toBe(2);
    expect(spaces.stderr).toMatch(/--password: must be at least 10 characters/);
  });

  it('lists every command with --help, and one command with <command> --help', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    for (const command of ['user:create', 'user:password', 'token:create', 'sync', 'cache:clear', 'cache:monitor'])
      expect(help.stdout).toContain(command);
    const one = run('user:password', '--help');
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/^usage: npm run cli -- user:password --email E/);
  });

  it('creates a user and an API token, and reports a missing integration with its code', () => {
    const created = run('user:create', '--email', 'ops@example.com', '--name', 'Ops', '--role', 'admin');
    expect(created.status, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email: 'ops@example.com', role: 'admin' });
    const token = run('token:create', '--email', 'ops@example.com', '--name', 'ci');
    expect(token.status).toBe(0);
    expect(token.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The same e-mail again: the API's conflict, never the statement or its values (a password hash).
    const again = run('user:create', '--email', 'ops@example.com', '--name', 'Ops again');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^E_CONFLICT: a user with that e-mail already exists/);
    expect(again.stderr).not.toMatch(/scrypt|insert into|Failed query/i);
    // A new password for a user (a forgotten or a demo login's), printed once when generated.
    const reset = run('user:password', '--email', 'OPS@example.com');
    expect(reset.status, reset.stderr).toBe(0);
    expect(JSON.parse(reset.stdout)).toMatchObject({ email: 'ops@example.com', password: expect.any(String) });
    expect(run('user:password', '--email', 'nobody@example.com').stderr).toMatch(/^E_NOT_FOUND/);
    const missing = run('sync', '--integration', '424242');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/E_NOT_FOUND/);
  });
});
