/** What the API returns for each entity: plain data, never credentials. */

/** A team. */
export interface TeamView {
  id: number;
  name: string;
  description: string;
  memberIds: number[];
  createdAt: Date;
  updatedAt: Date;
}

/** An integration, without its credentials. */
export interface IntegrationView {
  id: number;
  teamId: number;
  kind: 'github' | 'jira';
  name: string;
  config: Record<string, unknown>;
  syncIntervalMinutes: number | null;
  hasCredentials: true;
  createdAt: Date;
  updatedAt: Date;
}

/** The last sync of an integration. */
export interface LastSyncView {
  integrationId: number;
  status: 'never' | 'queued' | 'running' | 'succeeded' | 'failed';
  jobId: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  stats: Record<string, unknown> | null;
}

/** Metrics of one integration, from its newest snapshot. */
export interface IntegrationMetricsView {
  integrationId: number;
  kind: 'github' | 'jira';
  windowDays: number | null;
  computedAt: Date | null;
  metrics: Record<string, number | null> | null;
}

/** Metrics of a team: each integration's and a roll-up. */
export interface TeamMetricsView {
  teamId: number;
  computedAt: Date | null;
  rollup: Record<string, number | null>;
  integrations: IntegrationMetricsView[];
}
