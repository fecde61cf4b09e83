/**
 * The demo's upstream: the API simulator with recent, seeded data (three repositories and three
 * Jira boards over the last 12 weeks), and a first sync of every integration after start.
 */
import {
  createSimulator,
  DEFAULT_GITHUB_TOKEN,
  DEFAULT_JIRA_CREDENTIALS,
  type Simulator,
} from '@agiletrack/api-simulator';
import { integrations } from '../db/schema.ts';
import type { Server } from '../server.ts';
import type { DemoSource } from './seed.ts';

const DAY = 86_400_000;

/** Starts the simulator on a free loopback port with data ending today. */
export function startDemoSimulator(): Promise<Simulator> {
  const days = 84; // six two-week sprints: the last one is the current sprint
  return createSimulator({
    seed: 7,
    size: { repos: 3, projects: 3, start: new Date(Date.now() - days * DAY).toISOString(), days },
  });
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
