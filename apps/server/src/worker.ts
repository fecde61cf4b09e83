/**
 * `npm run worker` (its build, through apps/server/start.mjs): runs the sync and metrics workers without the HTTP API, for deployments
 * that scale them apart (needs REDIS_URL; start the API with RUN_WORKER=false).
 */
import { ConfigError, loadConfig } from './config.ts';
import { processLogger } from './process/logger.ts';
import { stopOnSignals } from './process/signals.ts';
import { createServer } from './server.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.REDIS_URL)
    throw new ConfigError('npm run worker needs REDIS_URL: without Redis, jobs run inside the API process');
  const logger = processLogger(config.LOG_LEVEL);
  const server = await createServer({ config, logger, forceWorkers: true });
  stopOnSignals(() => server.close(), { boundMs: config.SHUTDOWN_TIMEOUT_MS, logger, name: 'AgileTrack worker' });
  logger.info('worker started: processing sync-integration and compute-metrics jobs');
}

main().catch((error: unknown) => {
  console.error('worker failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
