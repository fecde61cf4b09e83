/**
 * `npm run start --workspace=@agiletrack/api-simulator`: runs a simulator until interrupted.
 * Environment: SIMULATOR_PORT (default 4010), SIMULATOR_HOST (default 127.0.0.1),
 * SIMULATOR_SEED (default 1), SIMULATOR_DATASET (`generated`, `large` or `fixed`), SIMULATOR_LATENCY_MS.
 */
import { DEFAULT_GITHUB_TOKEN, DEFAULT_JIRA_CREDENTIALS } from './options.ts';
import { createSimulator } from './server.ts';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new TypeError(`${name} must be an integer, got "${raw}"`);
  return value;
}

const wanted = process.env.SIMULATOR_DATASET;
const dataset = wanted === 'fixed' || wanted === 'large' ? wanted : 'generated';
const simulator = await createSimulator({
  host: process.env.SIMULATOR_HOST || '127.0.0.1',
  port: intEnv('SIMULATOR_PORT', 4010),
  seed: intEnv('SIMULATOR_SEED', 1),
  dataset,
  latency: intEnv('SIMULATOR_LATENCY_MS', 0),
});

console.log(`API simulator listening on ${simulator.url} (${dataset} data)`);
console.log(`  GitHub: Authorization: Bearer ${DEFAULT_GITHUB_TOKEN}`);
console.log(`  Jira:   basic auth ${DEFAULT_JIRA_CREDENTIALS.email}:${DEFAULT_JIRA_CREDENTIALS.apiToken}`);
console.log(
  `  Control: GET ${simulator.url}/__sim/counts · POST ${simulator.url}/__sim/faults · POST ${simulator.url}/__sim/reset`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void simulator.close().then(() => process.exit(0));
  });
}
