/**
 * `npm start`: embedded mode by default (PGlite in DATA_DIR, Postgres-table L2, in-process jobs),
 * services mode with DATABASE_URL / REDIS_URL. Seeds the demo on an empty database and prints
 * the URL and the demo logins.
 */

import { count } from 'drizzle-orm';
import { ConfigError, describeMode, loadConfig } from './config.ts';
import { users } from './db/schema.ts';
import { seedDemo } from './demo/seed.ts';
import {
  demoSources,
  offerDemoPresets,
  repointDemo,
  startDemoSimulator,
  storedSimulatorUrl,
  syncDemo,
} from './demo/simulator.ts';
import { allowEntryFor } from './security/outbound.ts';
import { createServer, type Server } from './server.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`AgileTrack cannot start: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const mode = describeMode(config);
  const started = performance.now();
  const demo = config.DEMO ?? mode.database === 'pglite';
  const server = await createServer({ config, warm: config.CACHE_WARM_ON_START });
  const { app, deps } = server;
  // The demo's GitHub and Jira: the simulator, in this process unless SIMULATOR_URL points elsewhere,
  // at the address the data directory's demo integrations know (started after the database, whose
  // lock says whether another server owns this data directory).
  const embedded = mode.database === 'pglite';
  const previousUrl = embedded ? storedSimulatorUrl(config.DATA_DIR) : undefined;
  const simulator =
    demo && !config.SIMULATOR_URL ? await startDemoSimulator(embedded ? config.DATA_DIR : undefined) : undefined;
  const simulatorUrl = config.SIMULATOR_URL ?? simulator?.url ?? 'http://127.0.0.1:4010';
  // The simulator the demo syncs from is the one loopback address the outbound policy allows.
  if (simulator) deps.outbound.permit(allowEntryFor(simulator.url));
  if (demo) offerDemoPresets(deps.connectors, simulatorUrl, simulator);
  if (previousUrl && previousUrl !== simulatorUrl) {
    for (const moved of await repointDemo(deps.integrations, previousUrl, simulatorUrl)) {
      await deps.invalidator.after({ type: 'integration.updated', ...moved });
    }
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
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  if (demo) void syncDemo(server);

  const lines = [
    '',
    `AgileTrack is running at ${address}  (${Math.round(performance.now() - started)} ms)`,
    `  mode: database ${mode.database}${mode.database === 'pglite' ? ` in ${config.DATA_DIR}` : ''}, cache L1 memory + L2 ${mode.cache}`,
    `  health: ${address}/api/health${config.METRICS_TOKEN || config.METRICS_PORT ? '   metrics: see README (Prometheus)' : ''}`,
  ];
  if (demo) {
    lines.push(
      `${logins ? '  demo data: created' : '  demo data: already present'}; syncing from the GitHub/Jira simulator at ${simulatorUrl}`,
    );
    if (logins) {
      // Printed this once: only the hashes are stored.
      for (const login of logins) lines.push(`  login (${login.role}): ${login.email} / ${login.password}`);
      lines.push(
        `  try: curl -c /tmp/at.cookie -H 'content-type: application/json' -d '{"email":"${logins[0]!.email}","password":"${logins[0]!.password}"}' ${address}/api/auth/login && curl -b /tmp/at.cookie ${address}/api/teams`,
        config.DEMO_PASSWORDS === 'fixed'
          ? '  (fixed demo passwords: DEMO_PASSWORDS=fixed)'
          : '  these passwords are shown only now; to start over, stop AgileTrack and delete the data directory',
      );
    } else {
      lines.push('  logins: as printed when the demo data was created (to start over, delete the data directory)');
    }
  } else if (!(await hasUsers(deps))) {
    lines.push(
      '  no users yet: create the first admin with',
      '    npm run cli -- user:create --email you@example.com --name "Your Name" --role admin',
      '  (stop the server first in the embedded mode; the CLI prints a generated password)',
    );
  }
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // Running syncs get a second (then they are ended cleanly and run again at the next start);
    // whatever still hangs after two seconds does not keep the process alive.
    setTimeout(() => {
      console.error('AgileTrack: shutdown took too long; exiting');
      process.exit(1);
    }, 2_000).unref();
    await server.close();
    await simulator?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function hasUsers(deps: Server['deps']): Promise<boolean> {
  const [row] = await deps.db.select({ value: count() }).from(users);
  return (row?.value ?? 0) > 0;
}

main().catch((error: unknown) => {
  console.error('AgileTrack failed to start:', error instanceof Error ? error.message : error);
  if (process.env.LOG_LEVEL === 'debug') console.error(error);
  process.exit(1);
});
