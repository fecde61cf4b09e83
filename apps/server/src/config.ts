/**
 * Configuration from environment variables: every default here, validated once at start with a
 * message that names the variable. Nothing else reads `process.env`.
 */
import { z } from 'zod';
import { type AllowRule, allowEntryFor, parseAllowList } from './security/outbound.ts';

const duration = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .positive('must be positive')
    .default(fallback);

const ratio = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, 'must be from 0 to 1')
    .max(1, 'must be from 0 to 1')
    .default(fallback);

const count = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .default(fallback);

const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .transform((value) => (value === '' ? undefined : value))
    .optional()
    .refine((value) => value === undefined || protocols.some((p) => value.startsWith(p)), {
      message: `must start with ${protocols.join(' or ')}`,
    });

const ConfigSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce
    .number({ error: 'must be a port number from 0 to 65535' })
    .int('must be a port number from 0 to 65535')
    .min(0, 'must be a port number from 0 to 65535')
    .max(65_535, 'must be a port number from 0 to 65535')
    .default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalUrl(['postgres://', 'postgresql://']),
  /** PostgreSQL schema holding AgileTrack's tables (and the cache table in the database mode). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .default('public'),
  REDIS_URL: optionalUrl(['redis://', 'rediss://']),
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((value) => value?.trim() || undefined)
    .refine((value) => value === undefined || /^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/.test(value), {
      message: 'must be host:port pairs separated by commas',
    }),
  /** 32 bytes, base64: encrypts integration credentials and sensitive cache entries. */
  SECRET_KEY: z
    .string()
    .optional()
    .refine((value) => value === undefined || Buffer.from(value, 'base64').length === 32, {
      message: 'must be 32 bytes encoded in base64 (generate one with: openssl rand -base64 32)',
    }),
  /** Older SECRET_KEY values, comma separated, still accepted for decryption after a rotation. */
  SECRET_KEY_PREVIOUS: z.string().optional(),
  /** Prefix of every Redis key and channel (cache, bus, tags, locks, events, jobs). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,64}:$/, 'must be letters, digits, _ . - : and end with ":"')
    .default('agiletrack:v1:'),
  CACHE_L1_TTL_MS: duration(30_000),
  CACHE_L1_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  CACHE_L2_TTL_MS: duration(3_600_000),
  CACHE_TIER_DEADLINE_MS: duration(50),
  JOB_RESULT_TTL_MS: duration(3_600_000),
  /** A running sync beats this often; one silent for 3 beats was interrupted (failed, queued again). */
  SYNC_HEARTBEAT_MS: duration(5_000),
  /** A new integration's first sync starts when it is connected. */
  SYNC_ON_CONNECT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /** How often a new integration syncs when its creator does not say (minutes; webhooks are the fast path). */
  SYNC_DEFAULT_INTERVAL_MINUTES: z.coerce.number().int().min(5).max(10_080).default(60),
  /** Run the job workers in the API process (with Redis; `npm run worker` runs them alone). */
  RUN_WORKER: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  SESSION_TTL_MS: duration(7 * 24 * 3_600_000),
  COOKIE_SECURE: z
    .enum(['true', 'false', 'auto'])
    .default('auto')
    .transform((value) => value),
  /** Demo data on an empty database: on by default in the embedded mode; `false` starts empty. */
  DEMO: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true' || value === '1')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SIMULATOR_URL: optionalUrl(['http://', 'https://']),
  /** Fixed demo passwords (`fixed`, for tests and screenshots) or generated per data directory. */
  DEMO_PASSWORDS: z.enum(['generated', 'fixed']).default('generated'),
  /** Private addresses the connectors may reach: `host:port` or CIDR entries, comma separated. */
  OUTBOUND_ALLOW: z
    .string()
    .optional()
    .transform((value, ctx): AllowRule[] => {
      try {
        return parseAllowList(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Bearer token that `GET /metrics` requires; without it (and without METRICS_PORT) /metrics is 404. */
  METRICS_TOKEN: z
    .string()
    .optional()
    .transform((value) => value?.trim() || undefined)
    .refine((value) => value === undefined || value.length >= 16, { message: 'must be at least 16 characters' }),
  /** Serve /metrics without a token on this port, bound to 127.0.0.1 only. */
  METRICS_PORT: z.coerce
    .number({ error: 'must be a port number from 1 to 65535' })
    .int('must be a port number from 1 to 65535')
    .min(1, 'must be a port number from 1 to 65535')
    .max(65_535, 'must be a port number from 1 to 65535')
    .optional(),
  /** A request (headers and body) must arrive within this time, or the connection is closed. */
  REQUEST_TIMEOUT_MS: duration(20_000),
  /** How long an idle keep-alive connection stays open. */
  KEEP_ALIVE_TIMEOUT_MS: duration(72_000),
  /** Login attempts allowed per account from one address within LOGIN_WINDOW_MS before 429. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1_000).default(5),
  /** Attempts on one account from all addresses within LOGIN_WINDOW_MS before each address must wait between attempts. */
  LOGIN_ACCOUNT_FREE_ATTEMPTS: z.coerce.number().int().min(1).max(100_000).default(20),
  /** The longest wait between one address's attempts on an account under attack (the wait doubles up to it). */
  LOGIN_ACCOUNT_MAX_DELAY_MS: duration(5 * 60_000),
  /** Failed logins allowed per client address within LOGIN_WINDOW_MS before 429. */
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(50),
  /** The most a stop (SIGTERM, SIGINT) may take before the process exits anyway, with code 1. */
  SHUTDOWN_TIMEOUT_MS: duration(10_000),
  /** How long a password reset link an admin issued works. */
  PASSWORD_RESET_TTL_MS: duration(24 * 3_600_000),
  /** The login throttling window. */
  LOGIN_WINDOW_MS: duration(15 * 60_000),
  /** How often the alert rules run. */
  ALERT_INTERVAL_MS: duration(5_000),
  /** The window alert rates and increases are measured over. */
  ALERT_WINDOW_MS: duration(300_000),
  /** A tier's (errors + timeouts) / calls over the window above this fires. */
  ALERT_ERROR_RATE: ratio(0.05),
  /** A family's hit rate this far below its last-hour rate fires. */
  ALERT_HIT_RATE_DROP: ratio(0.2),
  /** Redis used memory / maxmemory above this fires. */
  ALERT_REDIS_MEMORY_RATIO: ratio(0.9),
  /** Evictions in the window (shared tiers, Redis) at or above this fire. */
  ALERT_EVICTIONS: count(1),
  /** Browser localStorage quota failures in the window at or above this fire. */
  ALERT_QUOTA_FAILURES: count(1),
  /** Fewest reads or calls in the window before a rate is judged. */
  ALERT_MIN_SAMPLES: count(20),
  /** Cache operations the live monitor streams per second and instance (the rest are dropped). */
  MONITOR_MAX_OPS_PER_SECOND: count(200),
  /** Warm the hot keys of recent teams in the background when `npm start` starts. */
  CACHE_WARM_ON_START: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /** Most teams warmed at start (the most recently created first). */
  CACHE_WARM_MAX_TEAMS: count(100),
  /** Teams warmed at once at start. */
  CACHE_WARM_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** Cache loads slower than this are logged at info (every operation is logged at debug). */
  CACHE_SLOW_LOAD_MS: duration(500),
  /** Compute metrics as of this instant instead of now (reproducible reports, tests on fixed data). */
  METRICS_NOW: z.iso
    .datetime({ offset: true, error: 'must be an ISO-8601 date-time like 2024-01-20T00:00:00Z' })
    .optional(),
});

/** The validated configuration. */
export type Config = z.output<typeof ConfigSchema>;

/** Every environment variable the server reads (the README's configuration table lists each). */
export const CONFIG_VARIABLES = Object.keys(ConfigSchema.shape) as readonly (keyof Config)[];

/** Thrown at start when the environment is wrong; the message lists every problem. */
export class ConfigError extends Error {
  readonly code = 'E_CONFIG_INVALID';
}

/** Reads and validates the configuration from `env` (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** How long a sync run may go without a heartbeat (every `SYNC_HEARTBEAT_MS`) before it counts as interrupted. */
export const staleAfter = (heartbeatMs: number): number => heartbeatMs * 3;

/** What the outbound policy allows: `OUTBOUND_ALLOW`, plus the demo's simulator (`SIMULATOR_URL`). */
export function outboundAllow(config: Config): AllowRule[] {
  return [
    ...config.OUTBOUND_ALLOW,
    ...(config.SIMULATOR_URL ? parseAllowList(allowEntryFor(config.SIMULATOR_URL)) : []),
  ];
}

/** Which services the configuration selects. */
export function describeMode(config: Config): {
  database: 'pglite' | 'postgres';
  cache: 'redis' | 'redis-cluster' | 'database';
} {
  return {
    database: config.DATABASE_URL ? 'postgres' : 'pglite',
    cache: config.REDIS_CLUSTER_NODES ? 'redis-cluster' : config.REDIS_URL ? 'redis' : 'database',
  };
}
