/**
 * `npm run worker`: runs the sync and metrics workers without the HTTP API, for deployments
 * that scale them apart (needs REDIS_URL; start the API with RUN_WORKER=false).
 */
import { ConfigError, loadConfig } from './config.ts';
import { createServer } from './server.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.REDIS_URL)
    throw new ConfigError('npm run worker needs REDIS_URL: without Redis, jobs run inside the API process');
  const server = await createServer({ config, forceWorkers: true });
  server.deps.logger.info('worker started: processing sync-integration and compute-metrics jobs');
  const stop = async () => {
    try {
      await server.close();
    } catch (error) {
      server.deps.logger.warn({ err: (error as Error).message }, 'worker: shutdown was not clean');
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error('worker failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
