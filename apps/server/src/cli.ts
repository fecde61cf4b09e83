/**
 * `npm run cli -- <command>`: administration without the HTTP API, against the configured
 * database and cache (same environment variables as `npm start`).
 *
 *   user:create --email a@b.c --name "Ada" --role admin [--password …]   (prompts nothing: a
 *                                                  password is generated and printed if omitted)
 *   token:create --email a@b.c --name ci           prints a new API token once
 *   cache:stats | cache:clear | cache:warm | cache:monitor   call the running server's admin API
 *                                                  (AGILETRACK_URL, AGILETRACK_TOKEN): see cli/cache-commands.ts
 *   sync --integration N [--no-wait]               syncs one integration, with progress
 *
 * In the embedded mode the CLI opens the data directory itself, so it refuses to run while the
 * server holds it ("the server is running; use the API or stop it"); `sync` starts the demo's
 * simulator on its stored address when the integration points there.
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage or configuration.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { z } from 'zod';
import { CACHE_COMMANDS, runCacheCommand } from './cli/cache-commands.ts';
import { ConfigError, describeMode, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { users } from './db/schema.ts';
import { startDemoSimulator, storedSimulatorUrl } from './demo/simulator.ts';
import { toAppError } from './errors.ts';
import { allowEntryFor } from './security/outbound.ts';
import type { Server } from './server.ts';

class UsageError extends Error {}

const email = z.email('must be an email address').max(254);
const COMMANDS = ['user:create', 'token:create', ...CACHE_COMMANDS, 'sync'] as const;

function usage(): string {
  return (
    'usage: npm run cli -- <command> [options]\ncommands: ' +
    COMMANDS.join(', ') +
    '\n(see apps/server/src/cli.ts or the README for options)'
  );
}

function check<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(`--${name}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

/** Writes a one-line progress indicator to stderr (a TTY rewrites it in place). */
function progress(label: string, done: number, total?: number): void {
  const text = total ? `${label}: ${done}/${total}` : `${label}: ${done}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\u001b[2K${text}`);
  else process.stderr.write(`${text}\n`);
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || !(COMMANDS as readonly string[]).includes(command))
    throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  // Cache commands talk to the running server; they open no database or cache of their own.
  if ((CACHE_COMMANDS as readonly string[]).includes(command)) {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    return runCacheCommand(
      command,
      rest,
      process.env,
      {
        out: (line) => console.log(line),
        err: (text) => process.stderr.write(text),
        tty: process.stderr.isTTY === true,
      },
      stop.signal,
    );
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      integration: { type: 'string' },
      'no-wait': { type: 'boolean' },
    },
  });
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  // Loaded here so the cache commands, which only speak HTTP, start fast.
  const { createServer } = await import('./server.ts');
  const server: Server = await createServer({ config, logger: pino({ level: config.LOG_LEVEL }), scheduler: false });
  const { deps } = server;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    switch (command) {
      case 'user:create': {
        const input = {
          email: check(email, values.email, 'email'),
          name: check(z.string().trim().min(1).max(120), values.name, 'name'),
          role: check(z.enum(['admin', 'member']), values.role ?? 'member', 'role'),
          password: check(z.string().min(10, 'must be at least 10 characters').optional(), values.password, 'password'),
        };
        const password = input.password ?? randomBytes(12).toString('base64url');
        const id = await deps.accounts.createUser({ ...input, password });
        console.log(
          JSON.stringify({ id, email: input.email, role: input.role, ...(input.password ? {} : { password }) }),
        );
        return 0;
      }
      case 'token:create': {
        const address = check(email, values.email, 'email').toLowerCase();
        const name = check(z.string().trim().min(1).max(120), values.name, 'name');
        const [user] = await deps.db.select({ id: users.id }).from(users).where(eq(users.email, address));
        if (!user) throw new UsageError(`--email: no user ${address}`);
        console.log(await deps.accounts.createApiToken(user.id, name));
        return 0;
      }
      case 'sync': {
        const integrationId = check(z.coerce.number().int().positive(), values.integration, 'integration');
        const integration = await deps.integrations.getIntegration(integrationId);
        // The demo's integrations sync from the simulator the server runs; without the server, run it here.
        const demoUrl = describeMode(config).database === 'pglite' ? storedSimulatorUrl(config.DATA_DIR) : undefined;
        const baseUrl = (integration.config as { baseUrl?: string }).baseUrl;
        if (demoUrl && baseUrl === demoUrl && !values['no-wait']) {
          const simulator = await startDemoSimulator(config.DATA_DIR);
          deps.outbound.permit(allowEntryFor(simulator.url));
          cleanups.push(() => simulator.close());
        }
        const { jobId } = await deps.jobs.enqueueSync({ integrationId, teamId: integration.teamId });
        if (values['no-wait']) {
          console.log(JSON.stringify({ jobId }));
          return 0;
        }
        for (;;) {
          const job = await deps.jobs.getJob(jobId);
          if (!job) throw new Error(`job ${jobId} disappeared`);
          const p = job.progress as { step?: string; done?: number; total?: number } | number;
          if (typeof p === 'object' && p?.step) progress(p.step, p.done ?? 0, p.total);
          if (job.state === 'completed' || job.state === 'failed') {
            if (process.stderr.isTTY) process.stderr.write('\n');
            console.log(
              JSON.stringify({ jobId, state: job.state, failedReason: job.failedReason, result: job.result }),
            );
            return job.state === 'completed' ? 0 : 1;
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    }
    return 2;
  } finally {
    await server.close();
    for (const cleanup of cleanups) await cleanup();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`${(error as Error).message}\n${usage()}`);
      process.exit(2);
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    if (error instanceof DataDirLockedError) {
      console.error(error.message);
      process.exit(1);
    }
    const appError = toAppError(error);
    console.error(`${appError.code}: ${appError.status >= 500 ? (error as Error).message : appError.message}`);
    process.exit(1);
  },
);
