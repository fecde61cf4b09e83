/**
 * What the services return for each entity: the API's shapes from @agiletrack/domain, with times
 * held as `Date` (JSON turns them into the ISO strings the contract names). Never credentials.
 */
import type { Integration, IntegrationMetrics, LastSync, Team, TeamMetrics } from '@agiletrack/domain';

/** `T` with its time fields `K` as `Date` (nullable where the contract allows null). */
export type Dated<T, K extends keyof T> = Omit<T, K> & { [P in K]: null extends T[P] ? Date | null : Date };

/** A team. */
export type TeamView = Dated<Team, 'createdAt' | 'updatedAt'>;

/** An integration, without its credentials. */
export type IntegrationView = Dated<Integration, 'createdAt' | 'updatedAt'>;

/** The last sync of an integration. */
export type LastSyncView = Dated<LastSync, 'startedAt' | 'finishedAt'>;

/** Metrics of one integration, from its newest snapshot. */
export type IntegrationMetricsView = Dated<IntegrationMetrics, 'computedAt'>;

/** Metrics of a team: each integration's and a roll-up. */
export type TeamMetricsView = Omit<Dated<TeamMetrics, 'computedAt'>, 'integrations'> & {
  integrations: IntegrationMetricsView[];
};
