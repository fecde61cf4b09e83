/**
 * @agiletrack/api-simulator — a GitHub- and Jira-shaped HTTP server for tests and the demo:
 * seeded data, ETags and 304s, Link and token pagination, rate limits, injected faults, latency
 * and request counts. See the README for the endpoints.
 */
export type { ResetOptions } from './admin.ts';
export type { CountedOutcome, Counts } from './counts.ts';
export {
  Dataset,
  type NewDeployment,
  type NewIssue,
  type NewJiraIssue,
  type NewPullRequest,
} from './dataset/dataset.ts';
export { fixedData } from './dataset/fixed.ts';
export { type DatasetSize, DEFAULT_DATASET_SIZE, LARGE_DATASET_SIZE } from './dataset/generate.ts';
export type * from './dataset/types.ts';
export type { SimEvent, WebhookMessage } from './events.ts';
export type { ActiveFaultRule, Fault, FaultRuleInput } from './faults.ts';
export { queryCost } from './github/graphql/cost.ts';
export { parseLinkHeader } from './github/pagination.ts';
export { SPRINT_FIELD, STORY_POINTS_FIELD } from './jira/format.ts';
export { jiraBasicAuth } from './jira/respond.ts';
export { INLINE_CHANGELOG_MAX } from './jira/routes.ts';
export {
  DEFAULT_GITHUB_TOKEN,
  DEFAULT_JIRA_CREDENTIALS,
  type LatencyInput,
  type SimulatorOptions,
  SimulatorOptionsError,
} from './options.ts';
export { createSimulator, type Simulator } from './server.ts';
export type { Delivery, WebhookTarget } from './webhooks.ts';
