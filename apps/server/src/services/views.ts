/**
 * What the API returns for each entity, as the server builds it: the domain's response schemas
 * with `Date` for every time (never credentials: the schemas have no such field).
 */
import type {
  Integration,
  IntegrationMetrics,
  LastSync,
  MetricsHistory,
  Team,
  TeamMetrics,
  WithDates,
  WorkItem,
} from '@agiletrack/domain';

/** A team. */
export type TeamView = WithDates<Team>;

/** An integration, without its credentials. */
export type IntegrationView = WithDates<Integration>;

/** The last sync of an integration. */
export type LastSyncView = WithDates<LastSync>;

/** Metrics of one integration, from its newest snapshot. */
export type IntegrationMetricsView = WithDates<IntegrationMetrics>;

/** Metrics of a team over one window: each integration's and a roll-up of like with like. */
export type TeamMetricsView = WithDates<TeamMetrics>;

/** One day's metrics (over the default window, as of the end of that day); null before any data. */
export type MetricsPoint = MetricsHistory['points'][number];

/** Daily (or weekly) metric points of a team or an integration. */
export type MetricsHistoryView = WithDates<MetricsHistory>;

/** A work item behind a number, linked to its source. */
export type WorkItemView = WithDates<WorkItem>;
