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

/** Metrics of a team over one window: each integration's and a roll-up of like with like. */
export interface TeamMetricsView {
  teamId: number;
  windowDays: number;
  computedAt: Date | null;
  rollup: Record<string, number | null>;
  integrations: IntegrationMetricsView[];
}

/** One day's metrics (over the default window, as of the end of that day); null before any data. */
export interface MetricsPoint {
  day: string;
  metrics: Record<string, number | null> | null;
}

/** Daily (or weekly) metric points of a team or an integration. */
export interface MetricsHistoryView {
  scope: { teamId: number } | { integrationId: number };
  windowDays: number;
  interval: 'day' | 'week';
  from: string;
  to: string;
  points: MetricsPoint[];
}

/** A work item behind a number, linked to its source. */
export interface WorkItemView {
  integrationId: number;
  kind: 'pull_request' | 'issue' | 'deployment' | 'sprint' | 'incident';
  externalId: string;
  title: string;
  state: string;
  createdAt: Date;
  finishedAt: Date | null;
  /** The duration this item adds to the metric (hours), when it adds one. */
  hours: number | null;
  /** Why a deployment counts as failed: its own status, or an incident after it. */
  failure: 'failed' | 'incident' | null;
  url: string | null;
}

/** `T` with its time fields `K` as `Date` (nullable where the contract allows null). */
export type Dated<T, K extends keyof T> = Omit<T, K> & { [P in K]: null extends T[P] ? Date | null : Date };
