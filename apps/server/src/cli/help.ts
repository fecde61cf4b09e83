/** What `npm run cli -- --help` (and `<command> --help`) prints: every command, its options, its use. */

/** One command's help. */
interface CommandHelp {
  readonly usage: string;
  readonly summary: string;
}

/** Every command of the CLI, in the order the help lists them. */
export const COMMAND_HELP = {
  'user:create': {
    usage: 'user:create --email E --name N [--role admin|member] [--password P]',
    summary: 'creates a user; without --password one is generated and printed once',
  },
  'user:password': {
    usage: 'user:password --email E [--password P]',
    summary:
      "sets a user's password (a forgotten one, or a demo login's); without --password one is generated and printed once; their sessions end",
  },
  'token:create': {
    usage: 'token:create --email E --name N',
    summary: 'prints a new API token for the user, once',
  },
  sync: {
    usage: 'sync --integration ID [--no-wait]',
    summary: 'syncs one integration, showing progress',
  },
  'cache:stats': {
    usage: 'cache:stats [--families]',
    summary: "the running server's cache figures (or per-family analytics) as JSON",
  },
  'cache:clear': {
    usage: 'cache:clear (--key K | --prefix P | --tag T | --all)',
    summary: 'clears cache entries on every instance; --all (or a yes at the prompt) clears everything',
  },
  'cache:warm': {
    usage: 'cache:warm',
    summary: "reloads every team's hot keys, with a progress bar",
  },
  'cache:monitor': {
    usage: 'cache:monitor [--family F] [--outcome O] [--instance I] [--limit N]',
    summary: 'prints cache operations live, one line each (Ctrl-C stops)',
  },
} as const satisfies Record<string, CommandHelp>;

/** A command name. */
export type CommandName = keyof typeof COMMAND_HELP;

/** Whether `name` is a command. */
export const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMAND_HELP, name);

/** The help of one command, or of all of them. */
export function helpText(command?: CommandName): string {
  if (command) {
    const help = COMMAND_HELP[command];
    return `usage: npm run cli -- ${help.usage}\n\n  ${help.summary}\n`;
  }
  const lines = Object.values(COMMAND_HELP).map((help) => `  ${help.usage}\n      ${help.summary}`);
  return [
    'usage: npm run cli -- <command> [options]      (npm run cli -- <command> --help for one command)',
    '',
    'commands:',
    ...lines,
    '',
    'user:*, token:create and sync open the database of the configuration (the same environment as',
    'npm start); in the embedded mode, stop the server first. The cache:* commands call the running',
    "server's admin API: set AGILETRACK_URL (default http://127.0.0.1:3000) and AGILETRACK_TOKEN (an",
    "admin's API token, from token:create).",
    '',
    'exit codes: 0 done, 1 failed, 2 bad usage or configuration',
    '',
  ].join('\n');
}
