/**
 * The CLI commands that open the configured database themselves: users, their passwords, API
 * tokens, and a sync with progress. They go through the same services as the API (the same
 * checks, the same audit entries, the same coded errors).
 */
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { describeMode } from '../config.ts';
import { users } from '../db/schema.ts';
import { startDemoSimulator, storedSimulatorUrl } from '../demo/simulator.ts';
import { allowEntryFor } from '../security/outbound.ts';
import type { Server } from '../server.ts';
import { SYSTEM_ACTOR } from '../services/audit.ts';
import { generatePassword } from '../services/users.ts';
import type { CliIo } from './cache-commands.ts';

/** The commands this module runs. */
export const DATABASE_COMMANDS = ['user:create', 'user:password', 'token:create', 'sync'] as const;

/** Bad usage: exit code 2, the message names the option. */
export class UsageError extends Error {}

const email = z.email('must be an email address').max(254);
const name = z.string().trim().min(1, 'must not be empty').max(120);
// The API's rule: ten characters not counting spaces at either end.
const password = z
  .string()
  .max(200, 'must be at most 200 characters')
  .refine((text) => text.trim().length >= 10, 'must be at least 10 characters, not counting spaces at either end');

/** The options of every database command (parsed before anything is opened). */
export function parseDatabaseArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        password: { type: 'string' },
        integration: { type: 'string' },
        'no-wait': { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

type Values = ReturnType<typeof parseDatabaseArgs>;

function check<T>(schema: z.ZodType<T>, value: unknown, option: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(`--${option}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

/** Checks a command's options before the database opens, so bad usage touches no data. */
export function checkDatabaseArgs(command: (typeof DATABASE_COMMANDS)[number], values: Values): void {
  switch (command) {
    case 'user:create':
      check(email, values.email, 'email');
      check(name, values.name, 'name');
      check(z.enum(['admin', 'member']), values.role ?? 'member', 'role');
      check(password.optional(), values.password, 'password');
      return;
    case 'user:password':
      check(email, values.email, 'email');
      check(password.optional(), values.password, 'password');
      return;
    case 'token:create':
      check(email, values.email, 'email');
      check(name, values.name, 'name');
      return;
    case 'sync':
      check(z.coerce.number().int().positive(), values.integration, 'integration');
  }
}

/** Runs one database command on a built server; resolves the exit code. */
export async function runDatabaseCommand(
  server: Server,
  command: (typeof DATABASE_COMMANDS)[number],
  values: Values,
  io: CliIo,
): Promise<number> {
  const { deps } = server;
  switch (command) {
    case 'user:create': {
      const given = check(password.optional(), values.password, 'password');
      const { user, password: generated } = await deps.users.create(
        {
          email: check(email, values.email, 'email'),
          name: check(name, values.name, 'name'),
          role: check(z.enum(['admin', 'member']), values.role ?? 'member', 'role'),
          password: given,
        },
        SYSTEM_ACTOR,
      );
      io.out(
        JSON.stringify({ id: user.id, email: user.email, role: user.role, ...(generated && { password: generated }) }),
      );
      return 0;
    }
    case 'user:password': {
      const address = check(email, values.email, 'email');
      const given = check(password.optional(), values.password, 'password');
      const chosen = given ?? generatePassword();
      const id = await deps.passwordResets.setPassword(address, chosen);
      io.out(JSON.stringify({ id, email: address.toLowerCase(), ...(given === undefined && { password: chosen }) }));
      return 0;
    }
    case 'token:create': {
      const address = check(email, values.email, 'email').toLowerCase();
      const tokenName = check(name, values.name, 'name');
      const [user] = await deps.db.select({ id: users.id }).from(users).where(eq(users.email, address));
      if (!user) throw new UsageError(`--email: no user ${address}`);
      io.out(await deps.accounts.createApiToken(user.id, tokenName));
      return 0;
    }
    case 'sync':
      return sync(server, check(z.coerce.number().int().positive(), values.integration, 'integration'), values, io);
  }
}

async function sync(server: Server, integrationId: number, values: Values, io: CliIo): Promise<number> {
  const { deps } = server;
  const integration = await deps.integrations.getIntegration(integrationId);
  // The demo's integrations sync from the simulator the server runs; without the server, run it here.
  const { config } = deps;
  const demoUrl = describeMode(config).database === 'pglite' ? storedSimulatorUrl(config.DATA_DIR) : undefined;
  const baseUrl = (integration.config as { baseUrl?: string }).baseUrl;
  const simulator =
    demoUrl && baseUrl === demoUrl && !values['no-wait'] ? await startDemoSimulator(config.DATA_DIR) : undefined;
  try {
    if (simulator) deps.outbound.permit(allowEntryFor(simulator.url));
    const { jobId } = await deps.jobs.enqueueSync({ integrationId, teamId: integration.teamId });
    if (values['no-wait']) {
      io.out(JSON.stringify({ jobId }));
      return 0;
    }
    for (;;) {
      const job = await deps.jobs.getJob(jobId);
      if (!job) throw new Error(`job ${jobId} disappeared`);
      const p = job.progress as { step?: string; done?: number; total?: number } | number;
      if (typeof p === 'object' && p?.step) {
        const text = p.total ? `${p.step}: ${p.done ?? 0}/${p.total}` : `${p.step}: ${p.done ?? 0}`;
        io.err(io.tty ? `\r\u001b[2K${text}` : `${text}\n`);
      }
      if (job.state === 'completed' || job.state === 'failed') {
        if (io.tty) io.err('\n');
        io.out(JSON.stringify({ jobId, state: job.state, failedReason: job.failedReason, result: job.result }));
        return job.state === 'completed' ? 0 : 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await simulator?.close();
  }
}
