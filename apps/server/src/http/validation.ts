/** Input parsing for routes: zod schemas and id parameters, failing with coded 400s. */
import { isMetricName, METRIC_WINDOWS, parseId } from '@agiletrack/domain';
import { z } from 'zod';
import { AppError } from '../errors.ts';

/**
 * Parses `input` with `schema` or throws E_VALIDATION naming the first problems. Before any
 * schema runs, every request passes two checks that no schema can forget: text carries no
 * control characters (NUL and the like, which PostgreSQL refuses), and every integer under an
 * id field (`id`, `…Id`, `…Ids`) fits the database's integer columns.
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.output<S> {
  const unsafe = findUnsafe(input, []);
  if (unsafe)
    throw new AppError('E_VALIDATION', `invalid ${what}: ${unsafe.path.join('.') || what}: ${unsafe.problem}`);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : what}: ${issue.message}`)
    .join('; ');
  throw new AppError('E_VALIDATION', `invalid ${what}: ${problems}`);
}

// C0 controls but tab, line feed and carriage return; DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const ID_FIELD = /^(id|.+Id|.+Ids)$/;

function findUnsafe(
  value: unknown,
  path: (string | number)[],
  idField = false,
  depth = 0,
): { path: (string | number)[]; problem: string } | undefined {
  if (depth > 32) return { path, problem: 'nested too deeply' };
  if (typeof value === 'string') {
    return CONTROL.test(value) ? { path, problem: 'must not contain control characters (such as NUL)' } : undefined;
  }
  if (typeof value === 'number') {
    return idField && Number.isFinite(value) && Math.abs(value) > MAX_INT4
      ? { path, problem: `must be an id from 1 to ${MAX_INT4}` }
      : undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafe(item, [...path, index], idField, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (CONTROL.test(key))
        return { path: [...path, key], problem: 'field names must not contain control characters' };
      const found = findUnsafe(item, [...path, key], ID_FIELD.test(key), depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

const MAX_INT4 = 2_147_483_647;

/**
 * Parses a route id: a positive integer or a UUID (DESIGN section 4), else E_INVALID_ID. Our
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
    /** Environments whose deployments count as production (default: production, prod). */
    productionEnvironments: z.array(z.string().trim().min(1).max(100)).min(1).max(20).optional(),
    /** The label that marks an issue as an incident (default: incident). */
    incidentLabel: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
const statusCategory = z.enum(['todo', 'in_progress', 'done']);
const fieldId = z.string().regex(/^customfield_\d{1,10}$/, 'must be a custom field id like customfield_10016');
const jiraConfig = z
  .object({
    baseUrl: url,
    projectKey: z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'must be a Jira project key like ENG'),
    boardId: z.number().int().positive().optional(),
    /** The account of an API token (Jira Cloud); not used with a personal access token. */
    email: z.email().max(254).optional(),
    /** `cloud` (default) or `datacenter` (Jira Server / Data Center, REST v2). */
    deployment: z.enum(['cloud', 'datacenter']).optional(),
    /** Status name → category, overriding the category Jira gives a status. */
    statusMapping: z.record(z.string().trim().min(1).max(100), statusCategory).optional(),
    /** Story-point and sprint field ids, overriding discovery through the field list. */
    fields: z.object({ storyPoints: fieldId.optional(), sprint: fieldId.optional() }).strict().optional(),
  })
  .strict();
const secret = z.string().min(1).max(2_000);
/** Jira Cloud: an API token (with the config's email); Jira Server / Data Center: a personal access token. */
const jiraCredentials = z.union([
  z.object({ apiToken: secret }).strict(),
  z.object({ personalAccessToken: secret }).strict(),
]);
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
      credentials: jiraCredentials,
      syncIntervalMinutes: interval,
    })
    .strict()
    .refine((body) => !('apiToken' in body.credentials) || body.config.email !== undefined, {
      message: 'an API token needs the account email in config.email',
      path: ['config', 'email'],
    }),
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
  jira: { config: jiraConfig, credentials: jiraCredentials },
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

/** `?windowDays=` of the metrics routes: one of the windows every sync computes. */
export const MetricsQuery = z
  .object({
    windowDays: z.coerce
      .number()
      .int('must be a whole number of days')
      .refine((days) => (METRIC_WINDOWS as readonly number[]).includes(days), {
        message: `must be one of ${METRIC_WINDOWS.join(', ')}`,
      })
      .optional(),
  })
  .strict();

/** `?full=true` of POST /api/integrations/:integrationId/sync: a full resync. */
export const SyncQuery = z
  .object({
    full: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .strict();

const day = z.iso.date({ error: 'must be a day like 2024-01-31' });

/** `?from=&to=&interval=` of the metrics history routes (days, inclusive; at most 800 days apart). */
export const HistoryQuery = z
  .object({ from: day.optional(), to: day.optional(), interval: z.enum(['day', 'week']).optional() })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to' })
  .refine(
    (q) => q.from === undefined || q.to === undefined || Date.parse(q.to) - Date.parse(q.from) <= 800 * 86_400_000,
    { message: 'a history spans at most 800 days' },
  );

const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be a day (2024-01-31) or an ISO time',
});

/** `?metric=&from=&to=&cursor=&limit=` of the work-items drill-down. */
export const WorkItemsQuery = z
  .object({
    metric: z.string().refine(isMetricName, { message: 'must be a metric name such as leadTimeHours' }),
    from: instant.optional(),
    to: instant.optional(),
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
