/**
 * The demo's upstream: the API simulator with recent, seeded data (three repositories and three
 * Jira boards over the last 12 weeks), and a first sync of every integration after start. Its
 * port is kept in the data directory, so the demo integrations find it again after a restart;
 * when that port is taken, the simulator gets another and the integrations are re-pointed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSimulator,
  DEFAULT_GITHUB_TOKEN,
  DEFAULT_JIRA_CREDENTIALS,
  type Simulator,
} from '@agiletrack/api-simulator';
import type { ConnectorCatalog } from '../connectors/registry.ts';
import { integrations } from '../db/schema.ts';
import type { Server } from '../server.ts';
import { repointIntegrations } from '../services/integration-credentials.ts';
import type { IntegrationService } from '../services/integrations.ts';
import type { DemoSource } from './seed.ts';

const DAY = 86_400_000;

const stateFile = (dataDir: string) => join(dataDir, 'demo-simulator.json');

/** The simulator URL the data directory's demo integrations point at, if a demo ran there. */
export function storedSimulatorUrl(dataDir: string): string | undefined {
  try {
    const { url } = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as { url?: unknown };
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the simulator with data ending today: on the port stored in `dataDir` when there is one
 * and it is free, else on a free loopback port (then stored).
 */
export async function startDemoSimulator(dataDir?: string): Promise<Simulator> {
  const days = 84; // six two-week sprints: the last one is the current sprint
  const start = (port: number) =>
    createSimulator({
      seed: 7,
      port,
      size: { repos: 3, projects: 3, start: new Date(Date.now() - days * DAY).toISOString(), days },
    });
  const previous = dataDir ? storedSimulatorUrl(dataDir) : undefined;
  const port = previous ? Number(new URL(previous).port) : 0;
  const simulator = await start(port).catch((error: NodeJS.ErrnoException) => {
    if (port !== 0 && error.code === 'EADDRINUSE') return start(0);
    throw error;
  });
  if (dataDir && simulator.url !== previous) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(stateFile(dataDir), `${JSON.stringify({ url: simulator.url })}\n`);
  }
  return simulator;
}

/** Points integrations that used the simulator at `from` to `to` (its new address); returns them. */
export function repointDemo(
  integrations: IntegrationService,
  from: string,
  to: string,
): Promise<{ integrationId: number; teamId: number }[]> {
  return repointIntegrations(integrations.db, integrations.vault, from, to);
}

/** One source per demo team, from the simulator's data (or its defaults when it runs elsewhere). */
export function demoSources(simulator: Simulator | undefined): DemoSource[] {
  const repos = simulator?.dataset.data.github.repos ?? [{ owner: 'acme', name: 'web' }];
  const projects = simulator?.dataset.data.jira.projects ?? [{ key: 'AT', boardId: 1 }];
  return repos.map((repo, i) => {
    const project = projects[i % projects.length]!;
    return {
      github: { owner: repo.owner, repo: repo.name, token: DEFAULT_GITHUB_TOKEN },
      jira: { projectKey: project.key, boardId: project.boardId, ...DEFAULT_JIRA_CREDENTIALS },
    };
  });
}

/** Enqueues a sync of every integration and logs when they are done (in the background). */
export async function syncDemo(server: Server): Promise<void> {
  const { deps } = server;
  try {
    const rows = await deps.db.select({ id: integrations.id, teamId: integrations.teamId }).from(integrations);
    for (const row of rows) await deps.jobs.enqueueSync({ integrationId: row.id, teamId: row.teamId });
    deps.logger.info({ integrations: rows.length }, 'demo: first sync of every integration enqueued');
  } catch (error) {
    deps.logger.warn({ err: (error as Error).message }, 'demo: could not enqueue the first syncs');
  }
}

/** Offers the simulator's first repository and project as one-click choices in the connect form. */
export function offerDemoPresets(
  catalog: ConnectorCatalog,
  simulatorUrl: string,
  simulator: Simulator | undefined,
): void {
  const source = demoSources(simulator)[0]!;
  catalog.offer({
    kind: 'github',
    label: `Demo simulator: ${source.github.owner}/${source.github.repo}`,
    values: {
      'config.owner': source.github.owner,
      'config.repo': source.github.repo,
      'config.baseUrl': simulatorUrl,
      'credentials.token': source.github.token,
    },
  });
  catalog.offer({
    kind: 'jira',
    label: `Demo simulator: ${source.jira.projectKey}`,
    values: {
      'config.baseUrl': simulatorUrl,
      'config.projectKey': source.jira.projectKey,
      'config.deployment': 'cloud',
      'config.email': source.jira.email,
      'credentials.apiToken': source.jira.apiToken,
      'config.boardId': String(source.jira.boardId),
    },
  });
}
