/**
 * The part of GitHub's GraphQL schema a delivery-metrics connector reads: a repository's pull
 * requests (with reviews, commits, size, merge commit, labels), deployments with their statuses,
 * issues, and `rateLimit`. Names and arguments are GitHub's, so a query written against this
 * schema runs against api.github.com unchanged.
 */
import { buildSchema } from 'graphql';

/** See the file comment. */
export const githubSchema = buildSchema(`
  scalar DateTime
  scalar GitObjectID

  type Query {
    repository(owner: String!, name: String!): Repository
    rateLimit(dryRun: Boolean = false): RateLimit
  }

  type RateLimit {
    cost: Int!
    limit: Int!
    nodeCount: Int!
    remaining: Int!
    resetAt: DateTime!
    used: Int!
  }

  enum OrderDirection { ASC DESC }
  enum IssueOrderField { CREATED_AT UPDATED_AT COMMENTS }
  input IssueOrder { field: IssueOrderField!, direction: OrderDirection! }
  enum DeploymentOrderField { CREATED_AT }
  input DeploymentOrder { field: DeploymentOrderField!, direction: OrderDirection! }
  input IssueFilters { since: DateTime, labels: [String!], states: [IssueState!] }

  enum PullRequestState { OPEN CLOSED MERGED }
  enum IssueState { OPEN CLOSED }
  enum PullRequestReviewState { PENDING COMMENTED APPROVED CHANGES_REQUESTED DISMISSED }
  enum DeploymentState { ABANDONED ACTIVE DESTROYED ERROR FAILURE INACTIVE PENDING QUEUED IN_PROGRESS WAITING SUCCESS }
  enum DeploymentStatusState { PENDING SUCCESS FAILURE INACTIVE ERROR QUEUED IN_PROGRESS WAITING }

  type PageInfo { hasNextPage: Boolean!, hasPreviousPage: Boolean!, startCursor: String, endCursor: String }

  type Actor { login: String! }

  type Repository {
    name: String!
    owner: Actor!
    pullRequests(first: Int, after: String, last: Int, before: String, states: [PullRequestState!], labels: [String!], orderBy: IssueOrder): PullRequestConnection!
    pullRequest(number: Int!): PullRequest
    deployments(first: Int, after: String, last: Int, before: String, environments: [String!], orderBy: DeploymentOrder): DeploymentConnection!
    issues(first: Int, after: String, last: Int, before: String, labels: [String!], states: [IssueState!], filterBy: IssueFilters, orderBy: IssueOrder): IssueConnection!
  }

  type PullRequest {
    number: Int!
    title: String!
    state: PullRequestState!
    isDraft: Boolean!
    createdAt: DateTime!
    updatedAt: DateTime!
    closedAt: DateTime
    mergedAt: DateTime
    url: String!
    author: Actor
    additions: Int!
    deletions: Int!
    changedFiles: Int!
    headRefOid: GitObjectID!
    mergeCommit: Commit
    labels(first: Int, after: String, last: Int, before: String): LabelConnection
    reviews(first: Int, after: String, last: Int, before: String, states: [PullRequestReviewState!]): PullRequestReviewConnection
    commits(first: Int, after: String, last: Int, before: String): PullRequestCommitConnection!
  }
  type PullRequestConnection { totalCount: Int!, pageInfo: PageInfo!, nodes: [PullRequest] }

  type Commit { oid: GitObjectID!, authoredDate: DateTime!, committedDate: DateTime! }
  type PullRequestCommit { commit: Commit! }
  type PullRequestCommitConnection { totalCount: Int!, pageInfo: PageInfo!, nodes: [PullRequestCommit] }

  type Label { name: String! }
  type LabelConnection { totalCount: Int!, pageInfo: PageInfo!, nodes: [Label] }

  type PullRequestReview { state: PullRequestReviewState!, submittedAt: DateTime, author: Actor }
  type PullRequestReviewConnection { totalCount: Int!, pageInfo: PageInfo!, nodes: [PullRequestReview] }

  type Deployment {
    databaseId: Int
    environment: String
    createdAt: DateTime!
    updatedAt: DateTime!
    commitOid: String!
    state: DeploymentState
    latestStatus: DeploymentStatus
    statuses(first: Int, after: String, last: Int, before: String): DeploymentStatusConnection
  }
  type DeploymentConnection { totalCount: Int!, pageInfo: PageInfo!, nodes: [Deployment] }
  type DeploymentStatus { state: DeploymentStatusState!, createdAt: DateTime!, updatedAt: DateTime! }
  type DeploymentStatusConnection { totalCount: Int!, pageInfo: PageInfo!, nodes: [DeploymentStatus] }

  type Issue {
    number: Int!
    title: String!
    state: IssueState!
    createdAt: DateTime!
    updatedAt: DateTime!
    closedAt: DateTime
    url: String!
    labels(first: Int, after: String, last: Int, before: String): LabelConnection
  }
  type IssueConnection { totalCount: Int!, pageInfo: PageInfo!, nodes: [Issue] }
`);
