/**
 * Simulator options: every default lives here, and options are validated before anything
 * listens, so a bad option fails `createSimulator` with a message naming the field.
 */
import { z } from 'zod';
import { DEFAULT_DATASET_SIZE, LARGE_DATASET_SIZE } from './dataset/generate.ts';
import { type FaultRule, faultRuleSchema } from './faults.ts';

/** The GitHub token every simulator accepts unless `github.tokens` says otherwise. */
export const DEFAULT_GITHUB_TOKEN = 'ghp_simulator_token';

/** The Jira account every simulator accepts unless `jira.credentials` says otherwise. */
export const DEFAULT_JIRA_CREDENTIALS = { email: 'sim@example.com', apiToken: 'jira_simulator_token' } as const;

const count = z.number().int().min(0);
const positiveMs = z.number().int().positive();

const latencySchema = z.union([
  z
    .number()
    .int()
    .min(0)
    .transform((fixedMs) => ({ fixedMs, jitterMs: 0 })),
  z.object({ fixedMs: z.number().int().min(0).default(0), jitterMs: z.number().int().min(0).default(0) }),
]);

const sizeSchema = z.object({
  repos: count.default(DEFAULT_DATASET_SIZE.repos),
  pullRequestsPerRepo: count.default(DEFAULT_DATASET_SIZE.pullRequestsPerRepo),
  issuesPerRepo: count.default(DEFAULT_DATASET_SIZE.issuesPerRepo),
  deploymentsPerRepo: count.default(DEFAULT_DATASET_SIZE.deploymentsPerRepo),
  projects: count.default(DEFAULT_DATASET_SIZE.projects),
  sprintsPerBoard: count.default(DEFAULT_DATASET_SIZE.sprintsPerBoard),
  issuesPerSprint: count.default(DEFAULT_DATASET_SIZE.issuesPerSprint),
  start: z.iso.datetime({ offset: true }).default(DEFAULT_DATASET_SIZE.start),
  days: z.number().int().positive().default(DEFAULT_DATASET_SIZE.days),
  incidentRate: z.number().min(0).max(1).default(DEFAULT_DATASET_SIZE.incidentRate),
  longChangelogRate: z.number().min(0).max(1).default(DEFAULT_DATASET_SIZE.longChangelogRate),
});

// `.prefault({})` rather than `.default({})`: the empty object is parsed, so inner defaults apply.
const optionsSchema = z.object({
  /** Interface to listen on. @default '127.0.0.1' */
  host: z.string().default('127.0.0.1'),
  /** Port; 0 picks a free one. @default 0 */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Seeds the data, the latency jitter and fractional faults. @default 1 */
  seed: z.number().int().default(1),
  /**
   * `generated` (seeded, sized by `size`), `large` (seeded, `LARGE_DATASET_SIZE` under `size`) or
   * `fixed` (the hand-checkable set). @default 'generated'
   */
  dataset: z.enum(['generated', 'large', 'fixed']).default('generated'),
  /** Size of the generated data set. */
  size: sizeSchema.prefault({}),
  github: z
    .object({
      /** Tokens accepted in `Authorization: Bearer <t>` or `token <t>`. */
      tokens: z.array(z.string().min(1)).min(1).default([DEFAULT_GITHUB_TOKEN]),
      /** Primary limit per token; exceeding it answers 403 with `x-ratelimit-remaining: 0`. */
      rateLimit: z.object({ limit: count.default(5000), windowMs: positiveMs.default(3_600_000) }).prefault({}),
      /** Optional secondary limit per token; exceeding it answers 429 with `retry-after`. */
      secondaryRateLimit: z.object({ limit: count, windowMs: positiveMs }).optional(),
      /** The GraphQL endpoint (`POST /graphql`, `/api/graphql`): budgets in points, as GitHub counts them. */
      graphql: z
        .object({
          /** Points per token and hour; past it, answers carry a `RATE_LIMITED` error. */
          rateLimit: z.object({ limit: count.default(5000), windowMs: positiveMs.default(3_600_000) }).prefault({}),
          /** Points per token and minute (GitHub's secondary limit); past it, 403 with `retry-after`. */
          secondaryRateLimit: z
            .object({ limit: count.default(2000), windowMs: positiveMs.default(60_000) })
            .prefault({}),
          /** A query that may return at least `minNodes` nodes fails with 502 this often (seeded). */
          badGateway: z.object({ minNodes: z.number().int().min(0), probability: z.number().min(0).max(1) }).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  jira: z
    .object({
      /** Accounts accepted as HTTP Basic `email:apiToken`. */
      credentials: z
        .array(z.object({ email: z.string().min(1), apiToken: z.string().min(1) }))
        .min(1)
        .default([{ ...DEFAULT_JIRA_CREDENTIALS }]),
      /** Jira Server / Data Center personal access tokens, accepted as `Authorization: Bearer <t>`. */
      personalAccessTokens: z.array(z.string().min(1)).default([]),
      /** Display names of the three workflow statuses (categories stay To Do / In Progress / Done). */
      statusNames: z
        .object({ 'To Do': z.string().min(1), 'In Progress': z.string().min(1), Done: z.string().min(1) })
        .partial()
        .default({}),
      /** Custom field ids of story points and sprints (listed by `/rest/api/{2,3}/field`). */
      fields: z
        .object({
          storyPoints: z.string().regex(/^customfield_\d+$/),
          sprint: z.string().regex(/^customfield_\d+$/),
        })
        .partial()
        .default({}),
      /** Limit per account; exceeding it answers 429 with `Retry-After` in seconds. */
      rateLimit: z.object({ limit: count.default(600), windowMs: positiveMs.default(60_000) }).prefault({}),
    })
    .prefault({}),
  /** Delay before every API answer: a number (fixed ms) or `{ fixedMs, jitterMs }`. @default 0 */
  latency: latencySchema.default({ fixedMs: 0, jitterMs: 0 }),
  /** Fault rules active from the start. */
  faults: z.array(faultRuleSchema).default([]),
  /** Upper bound on any held (`timeout`) request, so no test can hang on one. @default 30000 */
  maxHoldMs: positiveMs.default(30_000),
  /**
   * How latency is waited: real time by default; a benchmark passes a simulated clock's sleep, so
   * latency costs simulated time (what a user would wait) rather than wall time.
   */
  sleep: z
    .custom<(ms: number) => Promise<void>>((value) => typeof value === 'function', 'sleep must be a function')
    .optional(),
  /** The clock for rate-limit windows, reset times and relative JQL dates. @default Date.now */
  now: z
    .custom<() => number>((value) => typeof value === 'function', 'now must be a function returning epoch ms')
    .default(() => Date.now),
});

/** Options of {@link createSimulator}; every field is optional. */
export type SimulatorOptions = z.input<typeof optionsSchema>;
/** Options with every default filled in. */
export type ResolvedOptions = z.output<typeof optionsSchema>;
/** Fixed delay plus seeded jitter in [0, jitterMs). */
export type Latency = z.output<typeof latencySchema>;
/** Latency as accepted by `setLatency`. */
export type LatencyInput = z.input<typeof latencySchema>;

/** Thrown by `createSimulator`, `setLatency` and `setFaults` for an option out of range. */
export class SimulatorOptionsError extends TypeError {
  readonly code = 'E_SIM_OPTIONS_INVALID';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimulatorOptionsError';
  }
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new SimulatorOptionsError(`invalid ${what}: ${z.prettifyError(result.error)}`, { cause: result.error });
  }
  return result.data;
}

/** Fills in defaults and validates. */
export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  // The large data set changes the size defaults; fields given in `size` still win.
  const input =
    options.dataset === 'large' ? { ...options, size: { ...LARGE_DATASET_SIZE, ...options.size } } : options;
  return parseWith(optionsSchema, input, 'simulator options');
}

/** Validates a latency given after start. */
export function resolveLatency(latency: LatencyInput): Latency {
  return parseWith(latencySchema, latency, 'latency');
}

/** Validates fault rules given after start. */
export function validateFaultRules(rules: unknown): FaultRule[] {
  return parseWith(z.array(faultRuleSchema), rules, 'fault rules');
}
