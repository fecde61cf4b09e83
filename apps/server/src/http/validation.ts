/** Input parsing for routes: zod schemas and id parameters, failing with coded 400s. */
import { parseId } from '@agiletrack/domain';
import { z } from 'zod';
import { AppError } from '../errors.ts';

/** Parses `input` with `schema` or throws E_VALIDATION naming the first problems. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : what}: ${issue.message}`)
    .join('; ');
  throw new AppError('E_VALIDATION', `invalid ${what}: ${problems}`);
}

const MAX_INT4 = 2_147_483_647;

/**
 * Parses a route id: a positive integer or a UUID, else E_INVALID_ID. Our
 * tables use integer ids, so a UUID (or an integer past the column's range) names nothing: `null`.
 */
export function parseRouteId(raw: unknown, name: string): number | null {
  let id: string;
  try {
    id = parseId(raw);
  } catch (error) {
    throw new AppError('E_INVALID_ID', `${name} must be a positive integer or a UUID, got ${JSON.stringify(raw)}`, {
      cause: error,
    });
  }
  if (!/^[0-9]+$/.test(id)) return null;
  const n = Number(id);
  return n <= MAX_INT4 ? n : null;
}

const name = z.string().trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters');

/** POST /api/auth/login */
export const LoginBody = z
  .object({ email: z.string().trim().min(3).max(254), password: z.string().min(1).max(1_000) })
  .strict();

/** POST /api/teams */
export const CreateTeamBody = z
  .object({
    name,
    description: z.string().max(2_000).optional(),
    memberIds: z.array(z.number().int().positive()).max(1_000).optional(),
  })
  .strict();

/** PATCH /api/teams/:teamId */
export const UpdateTeamBody = CreateTeamBody.partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });

const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(500);
const githubConfig = z
  .object({
    owner: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/),
    repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/),
    baseUrl: url.optional(),
  })
  .strict();
const jiraConfig = z
  .object({
    baseUrl: url,
    projectKey: z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'must be a Jira project key like ENG'),
    boardId: z.number().int().positive().optional(),
    email: z.email().max(254),
  })
  .strict();
const secret = z.string().min(1).max(2_000);
const interval = z.number().int().min(5).max(10_080).nullable().optional();

/** POST /api/teams/:teamId/integrations */
export const CreateIntegrationBody = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('github'),
      name,
      config: githubConfig,
      credentials: z.object({ token: secret }).strict(),
      syncIntervalMinutes: interval,
    })
    .strict(),
  z
    .object({
      kind: z.literal('jira'),
      name,
      config: jiraConfig,
      credentials: z.object({ apiToken: secret }).strict(),
      syncIntervalMinutes: interval,
    })
    .strict(),
]);

/** PATCH /api/integrations/:integrationId (config is checked against the integration's kind). */
export const UpdateIntegrationBody = z
  .object({
    name: name.optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    credentials: z.record(z.string(), secret).optional(),
    syncIntervalMinutes: interval,
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });

/** The config and credentials schemas by kind, for PATCH. */
export const IntegrationSchemas = {
  github: { config: githubConfig, credentials: z.object({ token: secret }).strict() },
  jira: { config: jiraConfig, credentials: z.object({ apiToken: secret }).strict() },
} as const;

/** DELETE /api/admin/cache query. */
export const ClearCacheQuery = z
  .object({
    key: z.string().min(1).max(512).optional(),
    prefix: z.string().min(1).max(512).optional(),
    tag: z.string().min(1).max(512).optional(),
  })
  .strict()
  .refine((q) => [q.key, q.prefix, q.tag].filter((v) => v !== undefined).length <= 1, {
    message: 'give at most one of key, prefix, tag',
  });

/** `?windowDays=` of the metrics routes: a custom window in days (the default window is cached). */
export const MetricsQuery = z
  .object({ windowDays: z.coerce.number().int('must be a whole number of days').min(1).max(365).optional() })
  .strict();
