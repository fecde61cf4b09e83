/**
 * `npm run cli -- <command>`: administration from the command line. `--help` lists the commands
 * (cli/help.ts). Users, passwords, tokens and sync open the configured database themselves
 * (cli/database-commands.ts), so in the embedded mode they refuse to run while the server holds
 * the data directory; the cache commands call the running server's admin API
 * (cli/cache-commands.ts).
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage or configuration. Errors are printed as
 * `CODE: message`; an unexpected one names its cause, never the statement or values it carried.
 */
import { createInterface } from 'node:readline/promises';
import { pino } from 'pino';
import { CACHE_COMMANDS, type CliIo, runCacheCommand } from './cli/cache-commands.ts';
import {
  checkDatabaseArgs,
  type DATABASE_COMMANDS,
  parseDatabaseArgs,
  runDatabaseCommand,
  UsageError,
} from './cli/database-commands.ts';
import { helpText, isCommand } from './cli/help.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { toAppError } from './errors.ts';

const HELP = new Set(['--help', '-h', 'help']);

const io: CliIo = {
  out: (line) => console.log(line),
  err: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
  // Only a person at a terminal is asked; a script must say what it means (`--all`).
  ...(process.stdin.isTTY === true && {
    async confirm(question: string) {
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
      } finally {
        prompt.close();
      }
    },
  }),
};

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || HELP.has(command)) {
    const topic = rest[0];
    io.out(helpText(topic !== undefined && isCommand(topic) ? topic : undefined));
    return command === undefined ? 2 : 0;
  }
  if (!isCommand(command)) throw new UsageError(`unknown command "${command}"`);
  if (rest.some((arg) => HELP.has(arg))) {
    io.out(helpText(command));
    return 0;
  }
  if ((CACHE_COMMANDS as readonly string[]).includes(command)) {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    return runCacheCommand(command, rest, process.env, io, stop.signal);
  }
  const name = command as (typeof DATABASE_COMMANDS)[number];
  const values = parseDatabaseArgs(rest);
  checkDatabaseArgs(name, values);
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  // Loaded here so help and the cache commands, which only speak HTTP, start fast.
  const { createServer } = await import('./server.ts');
  const server = await createServer({ config, logger: pino({ level: config.LOG_LEVEL }), scheduler: false });
  try {
    return await runDatabaseCommand(server, name, values, io);
  } finally {
    await server.close();
  }
}

// The innermost cause: the driver's own message, without the statement and parameters an ORM
// error carries (a query's parameters can hold a password hash).
function rootCause(error: unknown): Error {
  let current = error as Error;
  while (current?.cause instanceof Error) current = current.cause;
  return current;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${helpText()}`);
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
    if (appError.status < 500) console.error(`${appError.code}: ${appError.message}`);
    else {
      const cause = rootCause(error);
      console.error(`${appError.code}: ${appError.message} (${cause.name}: ${cause.message.split('\n')[0]})`);
      if (process.env.LOG_LEVEL === 'debug') console.error(cause.stack);
    }
    process.exit(1);
  },
);
