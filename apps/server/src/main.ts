/**
 * The server process (`npm start` runs its build through apps/server/start.mjs): embedded mode by
 * default (PGlite in DATA_DIR, Postgres-table L2, in-process jobs), services mode with
 * DATABASE_URL / REDIS_URL. It listens before it seeds the demo (a taken port stops it before any
 * data or password is made), prints the URL and the demo logins on stderr apart from the logs,
 * and stops cleanly on SIGTERM and SIGINT (process/signals.ts).
 */

import { DEFAULT_GITHUB_TOKEN, DEFAULT_JIRA_CREDENTIALS } from '@agiletrack/api-simulator';
import { count } from 'drizzle-orm';
import { ConfigError, describeMode, loadConfig } from './config.ts';
import { users } from './db/schema.ts';
import { databaseTemplate } from './db/template.ts';
import { type DemoLogin, seedDemo } from './demo/seed.ts';
import {
  demoSources,
  offerDemoPresets,
  repointDemo,
  startDemoSimulator,
  storedSimulatorUrl,
  syncDemo,
} from './demo/simulator.ts';
import { processLogger, say } from './process/logger.ts';
import { stopOnSignals } from './process/signals.ts';
import { allowEntryFor } from './security/outbound.ts';
import { createServer, type Server } from './server.ts';

let stopRequested = () => false;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      say(`AgileTrack cannot start: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = processLogger(config.LOG_LEVEL);
  const mode = describeMode(config);
  const started = performance.now();
  const demo = config.DEMO ?? mode.database === 'pglite';
  // A new data directory starts from the build's database template when there is one.
  const databaseSnapshot =
    mode.database === 'pglite' ? databaseTemplate(config.DATA_DIR, config.DATABASE_SCHEMA) : undefined;
  const server = await createServer({ config, logger, warm: config.CACHE_WARM_ON_START, databaseSnapshot });
  const { app, deps } = server;
  let simulator: Awaited<ReturnType<typeof startDemoSimulator>> | undefined;
  const signals = stopOnSignals(
    async () => {
      await server.close();
      await simulator?.close();
    },
    { boundMs: config.SHUTDOWN_TIMEOUT_MS, logger, name: 'AgileTrack' },
  );
  stopRequested = () => signals.stopping;

  // The demo's GitHub and Jira: the simulator, in this process unless SIMULATOR_URL points elsewhere,
  // at the address the data directory's demo integrations know (started after the database, whose
  // lock says whether another server owns this data directory).
  const embedded = mode.database === 'pglite';
  const previousUrl = embedded ? storedSimulatorUrl(config.DATA_DIR) : undefined;
  simulator =
    demo && !config.SIMULATOR_URL ? await startDemoSimulator(embedded ? config.DATA_DIR : undefined) : undefined;
  const simulatorUrl = config.SIMULATOR_URL ?? simulator?.url ?? 'http://127.0.0.1:4010';
  // The simulator the demo syncs from is the one loopback address the outbound policy allows.
  if (simulator) deps.outbound.permit(allowEntryFor(simulator.url));
  // The Connect form offers the simulator as a one-click choice.
  if (demo) offerDemoPresets(deps.connectors, simulatorUrl, simulator);
  if (previousUrl && previousUrl !== simulatorUrl) {
    for (const moved of await repointDemo(deps.integrations, previousUrl, simulatorUrl)) {
      await deps.invalidator.after({ type: 'integration.updated', ...moved });
    }
  }

  let address: string;
  try {
    address = await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    say(
      taken
        ? `AgileTrack cannot start: ${config.HOST}:${config.PORT} is in use (another AgileTrack?). Stop what uses it, or set PORT=…`
        : `AgileTrack cannot listen on ${config.HOST}:${config.PORT}: ${(error as Error).message}`,
    );
    await server.close();
    await simulator?.close();
    process.exit(1);
  }

  const logins = demo
    ? await seedDemo({
        db: deps.db,
        accounts: deps.accounts,
        teams: deps.teams,
        integrations: deps.integrations,
        simulatorUrl,
        sources: demoSources(simulator),
        passwords: config.DEMO_PASSWORDS,
      })
    : undefined;
  say(
    banner({
      address,
      ms: Math.round(performance.now() - started),
      mode: `database ${mode.database}${embedded ? ` in ${config.DATA_DIR}` : ''}, cache L1 memory + L2 ${mode.cache}`,
      metrics: Boolean(config.METRICS_TOKEN || config.METRICS_PORT),
      demo: demo ? { logins, simulatorUrl, fixed: config.DEMO_PASSWORDS === 'fixed' } : undefined,
      noUsers: !demo && !(await hasUsers(server)),
    }),
  );
  if (demo) void syncDemo(server);
}

/** The start-up text a person reads: where it runs, and how to log in. */
function banner(facts: {
  address: string;
  ms: number;
  mode: string;
  metrics: boolean;
  demo: { logins: DemoLogin[] | undefined; simulatorUrl: string; fixed: boolean } | undefined;
  noUsers: boolean;
}): string {
  const { address, demo } = facts;
  const lines = [
    '',
    `AgileTrack is running at ${address}  (${facts.ms} ms)`,
    `  mode: ${facts.mode}`,
    `  health: ${address}/api/health${facts.metrics ? '   metrics: see README (Prometheus)' : ''}`,
  ];
  if (demo) {
    lines.push(
      `  demo data: ${demo.logins ? 'created' : 'already present'}; syncing from the GitHub/Jira simulator at ${demo.simulatorUrl}`,
      `  to connect another integration to it: base URL ${demo.simulatorUrl}, GitHub token ${DEFAULT_GITHUB_TOKEN},`,
      `    Jira e-mail ${DEFAULT_JIRA_CREDENTIALS.email} with API token ${DEFAULT_JIRA_CREDENTIALS.apiToken}`,
    );
    if (demo.logins) {
      for (const login of demo.logins) lines.push(`  login (${login.role}): ${login.email} / ${login.password}`);
      lines.push(
        demo.fixed
          ? '  (fixed demo passwords: DEMO_PASSWORDS=fixed)'
          : '  these passwords are shown only now (only their hashes are stored)',
      );
    } else {
      lines.push('  logins: as printed when the demo data was created');
    }
    lines.push(
      '  a forgotten password: an admin issues a reset link on the Users page, or stop AgileTrack and run',
      '    npm run cli -- user:password --email <login>     (prints a new password)',
    );
  } else if (facts.noUsers) {
    lines.push(
      '  no users yet: create the first admin with',
      '    npm run cli -- user:create --email you@example.com --name "Your Name" --role admin',
      '  (stop the server first in the embedded mode; the CLI prints a generated password)',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function hasUsers(server: Server): Promise<boolean> {
  const [row] = await server.deps.db.select({ value: count() }).from(users);
  return (row?.value ?? 0) > 0;
}

main().catch((error: unknown) => {
  // A stop requested during start-up ends the process itself (what it closed made this fail).
  if (stopRequested()) return;
  say(`AgileTrack failed to start: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.LOG_LEVEL === 'debug') console.error(error);
  process.exit(1);
});
