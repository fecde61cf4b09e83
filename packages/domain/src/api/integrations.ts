/**
 * Integrations (a team's GitHub repository or Jira project): create, read, change, rotate the
 * credentials, delete, test the connection, sync; the last sync and sync jobs.
 */
import { z } from 'zod';
import { DisplayName, JobIdParam, NextCursor, PageQuery, RowId, RowIdParam, route, Timestamp } from './common.ts';

/** The kinds of integration. */
export const IntegrationKind = z.enum(['github', 'jira']);

// No user name or password in an address: it would be stored and shown to every teammate.
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(500)
  .refine((text) => !/^[a-z]+:\/\/[^/?#]*@/i.test(text), {
    message: 'must not contain a user name or password: put the token in the credentials',
  });
const secret = z.string().min(1).max(2_000);
const interval = z.number().int().min(5).max(10_080).nullable().optional();

/** GitHub settings: the repository, and the API address for GitHub Enterprise. */
export const GithubConfig = z.strictObject({
  owner: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a GitHub user or organisation name'),
  repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a repository name'),
  baseUrl: httpUrl.optional(),
  /** Environments whose deployments count as production (default: production, prod). */
  productionEnvironments: z.array(z.string().trim().min(1).max(100)).min(1).max(20).optional(),
  /** The label that marks an issue as an incident (default: incident). */
  incidentLabel: z.string().trim().min(1).max(100).optional(),
  /** `graphql` (default: a few points per hundred pull requests) or `rest`, the fallback. */
  api: z.enum(['graphql', 'rest']).optional(),
});
/** GitHub credentials: a token that may read the repository. */
export const GithubCredentials = z.strictObject({ token: secret });

const statusCategory = z.enum(['todo', 'in_progress', 'done']);
const fieldId = z.string().regex(/^customfield_\d{1,10}$/, 'must be a custom field id like customfield_10016');

/** Jira settings: the site, the project, the board (for sprints), the account e-mail and overrides. */
export const JiraConfig = z.strictObject({
  baseUrl: httpUrl,
  projectKey: z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'must be a Jira project key like ENG'),
  boardId: z.number().int().positive().optional(),
  /** The account of an API token (Jira Cloud); not used with a personal access token. */
  email: z.email().max(254).optional(),
  /** `cloud` (default) or `datacenter` (Jira Server / Data Center, REST v2). */
  deployment: z.enum(['cloud', 'datacenter']).optional(),
  /** Status name → category, overriding the category Jira gives a status. */
  statusMapping: z.record(z.string().trim().min(1).max(100), statusCategory).optional(),
  /** Story-point and sprint field ids, overriding discovery through the field list. */
  fields: z.strictObject({ storyPoints: fieldId.optional(), sprint: fieldId.optional() }).optional(),
});
/** Jira credentials: an API token (Jira Cloud, with the config's e-mail) or a personal access token (Server / Data Center). */
export const JiraCredentials = z.union([
  z.strictObject({ apiToken: secret }),
  z.strictObject({ personalAccessToken: secret }),
]);

/** The config and credentials schemas by kind (PATCH checks them against the stored kind). */
export const IntegrationSchemas = {
  github: { config: GithubConfig, credentials: GithubCredentials },
  jira: { config: JiraConfig, credentials: JiraCredentials },
} as const;

/** POST /api/teams/:teamId/integrations (and its `/test`). */
export const CreateIntegrationBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('github'),
    name: DisplayName,
    config: GithubConfig,
    credentials: GithubCredentials,
    syncIntervalMinutes: interval,
  }),
  z
    .strictObject({
      kind: z.literal('jira'),
      name: DisplayName,
      config: JiraConfig,
      credentials: JiraCredentials,
      syncIntervalMinutes: interval,
    })
    .refine((body) => !('apiToken' in body.credentials) || body.config.email !== undefined, {
      message: 'an API token needs the account email in config.email',
      path: ['config', 'email'],
    }),
]);

/** PATCH /api/integrations/:integrationId. New credentials replace the old; a new `baseUrl` needs them. */
export const UpdateIntegrationBody = z
  .strictObject({
    name: DisplayName.optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    credentials: z.record(z.string(), secret).optional(),
    syncIntervalMinutes: interval,
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });

/** POST /api/integrations/:integrationId/test: optional new credentials to try instead of the stored ones. */
export const TestIntegrationBody = z.strictObject({ credentials: z.record(z.string(), secret).optional() }).optional();

/** An integration; the API never sends credentials, only `hasCredentials`. */
export const IntegrationSchema = z.object({
  id: RowId,
  teamId: RowId,
  kind: IntegrationKind,
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  syncIntervalMinutes: z.number().nullable(),
  hasCredentials: z.literal(true),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
/** An integration. */
export type Integration = z.infer<typeof IntegrationSchema>;

/** What a connection test found: `ok`, or what failed in words a user can act on. */
export const ConnectionTestSchema = z.object({
  ok: z.boolean(),
  /** `auth` (credentials refused), `not_found` (no such repository/project), `unreachable`, `refused` (address not allowed), `error`. */
  problem: z.enum(['auth', 'not_found', 'unreachable', 'refused', 'error']).nullable(),
  message: z.string(),
});
/** A connection test result. */
export type ConnectionTest = z.infer<typeof ConnectionTestSchema>;

/** The last sync of an integration. */
export const LastSyncSchema = z.object({
  integrationId: RowId,
  status: z.enum(['never', 'queued', 'running', 'succeeded', 'failed']),
  jobId: z.string().nullable(),
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  error: z.string().nullable(),
  stats: z.record(z.string(), z.unknown()).nullable(),
});
/** The last sync. */
export type LastSync = z.infer<typeof LastSyncSchema>;

/** A sync job (results are kept for an hour). */
export const JobSchema = z.object({
  id: z.string(),
  name: z.enum(['sync-integration', 'compute-metrics']),
  state: z.enum(['waiting', 'active', 'completed', 'failed', 'delayed', 'unknown']),
  progress: z.union([z.number(), z.record(z.string(), z.unknown())]),
  /** What to sync: the integration, its team, and whether it is a full resync. */
  data: z.object({ integrationId: RowId, teamId: RowId, full: z.boolean().optional() }),
  result: z.unknown(),
  failedReason: z.string().nullable(),
  attempts: z.number(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});
/** A sync job. */
export type Job = z.infer<typeof JobSchema>;

/** `?full=true` of POST /api/integrations/:integrationId/sync: a full resync. */
export const SyncQuery = z.strictObject({
  full: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** What POST /api/integrations/:integrationId/sync answers: the job to follow. */
export const SyncStartedBody = z.object({ jobId: z.string() });
/** One sync job. */
export const JobBody = z.object({ job: JobSchema });

/** A page of integrations. */
export const IntegrationPage = z.object({ integrations: z.array(IntegrationSchema), nextCursor: NextCursor });
/** One integration. */
export const IntegrationBody = z.object({ integration: IntegrationSchema });
/** A new integration, with its webhook secret: shown this once. */
export const CreatedIntegrationBody = IntegrationBody.extend({ webhookSecret: z.string() });

/** The routes of this file. */
export const integrationRoutes = [
  route({
    id: 'integrations.list',
    method: 'GET',
    path: '/api/teams/:teamId/integrations',
    params: z.object({ teamId: RowIdParam }),
    summary: "A team's integrations",
    tag: 'Integrations',
    access: 'user',
    query: PageQuery,
    responses: { 200: IntegrationPage, 304: null },
  }),
  route({
    id: 'integrations.create',
    method: 'POST',
    path: '/api/teams/:teamId/integrations',
    params: z.object({ teamId: RowIdParam }),
    summary: 'Connect a GitHub repository or a Jira project to a team',
    tag: 'Integrations',
    access: 'user',
    body: CreateIntegrationBody,
    responses: { 201: CreatedIntegrationBody },
  }),
  route({
    id: 'integrations.testNew',
    method: 'POST',
    path: '/api/teams/:teamId/integrations/test',
    params: z.object({ teamId: RowIdParam }),
    summary: 'Test a connection before creating it (nothing is stored)',
    tag: 'Integrations',
    access: 'user',
    body: CreateIntegrationBody,
    responses: { 200: ConnectionTestSchema },
  }),
  route({
    id: 'integrations.get',
    method: 'GET',
    path: '/api/integrations/:integrationId',
    params: z.object({ integrationId: RowIdParam }),
    summary: 'One integration (never its credentials)',
    tag: 'Integrations',
    access: 'user',
    responses: { 200: IntegrationBody, 304: null },
  }),
  route({
    id: 'integrations.update',
    method: 'PATCH',
    path: '/api/integrations/:integrationId',
    params: z.object({ integrationId: RowIdParam }),
    summary: 'Change an integration or rotate its credentials',
    tag: 'Integrations',
    access: 'user',
    body: UpdateIntegrationBody,
    responses: { 200: IntegrationBody },
  }),
  route({
    id: 'integrations.delete',
    method: 'DELETE',
    path: '/api/integrations/:integrationId',
    params: z.object({ integrationId: RowIdParam }),
    summary: 'Delete an integration with its sync history and metrics',
    tag: 'Integrations',
    access: 'user',
    responses: { 204: null },
  }),
  route({
    id: 'integrations.test',
    method: 'POST',
    path: '/api/integrations/:integrationId/test',
    params: z.object({ integrationId: RowIdParam }),
    summary: 'Test the stored connection (or new credentials before rotating them)',
    tag: 'Integrations',
    access: 'user',
    body: TestIntegrationBody,
    responses: { 200: ConnectionTestSchema },
  }),
  route({
    id: 'integrations.lastSync',
    method: 'GET',
    path: '/api/integrations/:integrationId/last-sync',
    params: z.object({ integrationId: RowIdParam }),
    summary: 'The last sync of an integration',
    tag: 'Integrations',
    access: 'user',
    responses: { 200: z.object({ lastSync: LastSyncSchema }), 304: null },
  }),
  route({
    id: 'integrations.sync',
    method: 'POST',
    path: '/api/integrations/:integrationId/sync',
    params: z.object({ integrationId: RowIdParam }),
    summary: 'Start a sync (`?full=true`: a full resync); follow it at the Location',
    tag: 'Integrations',
    access: 'user',
    query: SyncQuery,
    responses: { 202: SyncStartedBody },
  }),
  route({
    id: 'jobs.get',
    method: 'GET',
    path: '/api/jobs/:jobId',
    params: z.object({ jobId: JobIdParam }),
    summary: 'A sync job',
    tag: 'Integrations',
    access: 'user',
    responses: { 200: JobBody },
  }),
];
