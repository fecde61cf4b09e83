/**
 * Input parsing for routes, failing with coded 400s. The API's shapes live in @agiletrack/domain;
 * the metrics queries below are still to move there.
 */
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
