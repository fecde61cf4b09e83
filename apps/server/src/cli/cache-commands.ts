/**
 * The CLI's cache commands: they call the running server's admin API (`AGILETRACK_URL`,
 * `AGILETRACK_TOKEN`, an admin's API token), so they work while it runs, in every mode, and
 * show the server's own figures.
 *
 *   cache:stats [--families]                       the server's cache stats (or family analytics) as JSON
 *   cache:clear (--key K | --prefix P | --tag T | --all)   --all, or a yes at the prompt, clears everything
 *   cache:warm                                     reloads the hot keys of every team, with a progress bar
 *   cache:monitor [--family F] [--outcome O] [--instance I] [--limit N]
 *                                                  prints cache operations live, one line each
 *
 * Exit codes: 0 done, 1 the server failed or could not be reached, 2 bad usage or configuration
 * (a missing or refused token, an option the server rejects).
 */
import { parseArgs } from 'node:util';
import { MonitorStream, parseStreamEvent, type RouteOf, type RouteQueryIn, routeUrl } from '@agiletrack/domain';
import { readSse } from './sse-reader.ts';

/** The cache commands this module runs. */
export const CACHE_COMMANDS = ['cache:stats', 'cache:clear', 'cache:warm', 'cache:monitor'] as const;

/** Where output goes (tests pass their own). */
export interface CliIo {
  out(line: string): void;
  err(text: string): void;
  /** Whether `err` is a terminal (the progress bar redraws in place). */
  tty: boolean;
  /** Asks a yes/no question (only when a person is at a terminal); absent, nothing is asked. */
  confirm?(question: string): Promise<boolean>;
}

class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

interface Api {
  request(method: string, path: string): Promise<unknown>;
  stream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

function api(env: Record<string, string | undefined>): Api {
  const base = (env.AGILETRACK_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const token = env.AGILETRACK_TOKEN;
  if (!token) throw new CliFailure('AGILETRACK_TOKEN is not set: create one with token:create for an admin', 2);
  if (!/^https?:\/\//.test(base))
    throw new CliFailure(`AGILETRACK_URL must start with http:// or https://, got ${base}`, 2);
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const send = async (method: string, path: string, signal?: AbortSignal): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { method, headers, ...(signal && { signal }) });
    } catch (error) {
      throw new CliFailure(`cannot reach ${base}: ${(error as Error).cause ?? (error as Error).message}`, 1);
    }
    if (response.ok) return response;
    const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } };
    const detail = body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
    // A refused token or a rejected option is the caller's to fix; anything else is the server's.
    throw new CliFailure(detail, response.status >= 400 && response.status < 500 ? 2 : 1);
  };
  return {
    async request(method, path) {
      const response = await send(method, path);
      return response.status === 204 ? undefined : response.json();
    },
    async stream(path, signal) {
      const response = await send('GET', path, signal);
      if (!response.body) throw new CliFailure('the server sent no stream', 1);
      return response.body;
    },
  };
}

/** `[#########-----------] 9/20` */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

/** One monitor line: `12:00:01.123 a1b2c3d4 team_metrics   hit    memory   0.021ms team_12_metrics`. */
export function formatOp(op: {
  at: number;
  instance: string;
  family: string;
  outcome: string;
  tier: string;
  ms: number;
  key: string;
}): string {
  const time = new Date(op.at).toISOString().slice(11, 23);
  return `${time} ${op.instance.slice(0, 8)} ${pad(op.family, 17)} ${pad(op.outcome, 7)} ${pad(op.tier, 8)} ${pad(`${op.ms.toFixed(3)}ms`, 10)} ${op.key}`;
}

/** Runs one cache command; resolves the exit code. */
export async function runCacheCommand(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  try {
    const { values } = (() => {
      try {
        return parseArgs({
          args,
          strict: true,
          options: {
            key: { type: 'string' },
            prefix: { type: 'string' },
            tag: { type: 'string' },
            all: { type: 'boolean' },
            families: { type: 'boolean' },
            family: { type: 'string' },
            outcome: { type: 'string' },
            instance: { type: 'string' },
            limit: { type: 'string' },
          },
        });
      } catch (error) {
        throw new CliFailure((error as Error).message, 2);
      }
    })();
    const client = api(env);
    switch (command) {
      case 'cache:stats': {
        const path = routeUrl(values.families ? 'cache.families' : 'cache.stats');
        io.out(JSON.stringify(await client.request('GET', path), null, 2));
        return 0;
      }
      case 'cache:clear': {
        const given = (['key', 'prefix', 'tag'] as const).filter((name) => values[name] !== undefined);
        if (given.length + (values.all ? 1 : 0) > 1)
          throw new CliFailure('give at most one of --key, --prefix, --tag, --all', 2);
        // Everything, on every instance, is never the result of a forgotten option.
        if (given.length === 0 && !values.all) {
          const question = 'Clear every cache entry on every instance?';
          if (!io.confirm) throw new CliFailure('give --key, --prefix or --tag, or --all to clear everything', 2);
          if (!(await io.confirm(question))) {
            io.err('nothing cleared\n');
            return 1;
          }
        }
        const query = given[0] ? { [given[0]]: values[given[0]]! } : {};
        io.out(JSON.stringify(await client.request('DELETE', routeUrl('cache.clear', { query }))));
        return 0;
      }
      case 'cache:warm': {
        const { teams } = (await client.request('GET', routeUrl('teams.list'))) as { teams: { id: number }[] };
        let keys = 0;
        for (const [index, team] of teams.entries()) {
          const { warmed } = (await client.request('POST', routeUrl('cache.warm', { query: { teamId: team.id } }))) as {
            warmed: { keys: number };
          };
          keys += warmed.keys;
          const bar = `warming ${progressBar(index + 1, teams.length)}`;
          io.err(io.tty ? `\r\u001b[2K${bar}` : `${bar}\n`);
        }
        if (io.tty) io.err('\n');
        io.out(JSON.stringify({ warmed: { teams: teams.length, keys } }));
        return 0;
      }
      case 'cache:monitor': {
        const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
        if (!(limit > 0) || (limit !== Number.POSITIVE_INFINITY && !Number.isInteger(limit))) {
          throw new CliFailure('--limit must be a positive whole number', 2);
        }
        const { family, outcome, instance } = values;
        // The server checks the filters; they go as given.
        const query = { family, outcome, instance } as RouteQueryIn<RouteOf<'cache.monitor'>>;
        const abort = new AbortController();
        signal?.addEventListener('abort', () => abort.abort(), { once: true });
        const body = await client.stream(routeUrl('cache.monitor', { query }), abort.signal);
        let printed = 0;
        try {
          for await (const event of readSse(body)) {
            if (event.event === 'ready') {
              const ready = parseStreamEvent(MonitorStream, 'ready', event.data);
              io.err(
                `watching cache operations on ${ready?.instance ?? 'the server'} and the instances it hears from (Ctrl-C stops)\n`,
              );
              continue;
            }
            const op = event.event === 'op' ? parseStreamEvent(MonitorStream, 'op', event.data) : undefined;
            if (op === undefined) continue;
            io.out(formatOp(op));
            if (++printed >= limit) break;
          }
        } catch (error) {
          if (!abort.signal.aborted) throw new CliFailure(`the stream broke: ${(error as Error).message}`, 1);
        } finally {
          abort.abort();
        }
        return 0;
      }
      default:
        throw new CliFailure(`unknown cache command "${command}"`, 2);
    }
  } catch (error) {
    if (error instanceof CliFailure) {
      io.err(`${error.message}\n`);
      return error.exitCode;
    }
    io.err(`${(error as Error).message}\n`);
    return 1;
  }
}
