/**
 * Cache warming: fills the hot keys of teams (the teams list, each team, its integrations and
 * its metrics, and each integration's metrics and last sync). A forced warm reloads them from
 * the database; a plain one reads them, which loads only what no tier holds yet and copies what
 * L2 holds into this instance's L1. At start, each instance warms in the background, a few
 * teams at a time and at most a bounded number of them.
 */
import type { Logger } from 'pino';
import type { IntegrationService } from '../services/integrations.ts';
import type { MetricsService } from '../services/metrics.ts';
import type { TeamService } from '../services/teams.ts';

/** The services whose reads fill the cache. */
export interface WarmServices {
  teams: TeamService;
  integrations: IntegrationService;
  metrics: MetricsService;
}

/** What a warm did. */
export interface WarmResult {
  teams: number;
  keys: number;
  ms: number;
}

/** Warms one team's keys; returns how many keys were read. */
export async function warmTeam(s: WarmServices, teamId: number, force: boolean): Promise<number> {
  const options = { force };
  await s.teams.getTeam(teamId, options);
  const integrations = await s.integrations.listIntegrations(teamId, options);
  await s.metrics.teamMetrics(teamId, options);
  let keys = 3;
  for (const integration of integrations) {
    await s.integrations.getIntegration(integration.id, options);
    await s.metrics.integrationMetrics(integration, options);
    await s.metrics.lastSync(integration, options);
    keys += 3;
  }
  return keys;
}

/** Warms the teams list and `teamIds` (every team by default), `concurrency` teams at a time. */
export async function warmTeams(
  s: WarmServices,
  options: { force: boolean; teamIds?: readonly number[]; concurrency?: number; stopped?: () => boolean },
): Promise<WarmResult> {
  const started = performance.now();
  await s.teams.listTeams({ force: options.force });
  const ids = [...(options.teamIds ?? (await s.teams.teamIds()))];
  let keys = 1;
  let next = 0;
  const worker = async () => {
    while (next < ids.length && !options.stopped?.()) {
      const teamId = ids[next++]!;
      keys += await warmTeam(s, teamId, options.force);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  return { teams: ids.length, keys, ms: Math.round(performance.now() - started) };
}

/** The background warm an instance runs at start. */
export class StartupWarmer {
  #stopped = false;
  /** Settles when the startup warm is over (never rejects; failures are logged). */
  done: Promise<WarmResult | undefined> = Promise.resolve(undefined);

  /** Starts warming at most `maxTeams` teams (the most recently created first), `concurrency` at a time. */
  start(s: WarmServices, logger: Logger, options: { maxTeams: number; concurrency: number }): void {
    this.done = (async () => {
      const all = await s.teams.teamIds();
      const teamIds = [...all].sort((a, b) => b - a).slice(0, options.maxTeams);
      return warmTeams(s, { force: false, teamIds, concurrency: options.concurrency, stopped: () => this.#stopped });
    })().then(
      (result) => {
        logger.info({ ...result }, 'cache warmed at start');
        return result;
      },
      (error: Error) => {
        if (!this.#stopped) logger.warn({ err: error.message }, 'cache warming at start failed');
        return undefined;
      },
    );
  }

  /** Stops starting new teams; resolves when the one under way is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.done;
  }
}
