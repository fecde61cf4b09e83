/**
 * What runs against the servers while `bench:http` injects a fault: a writer renaming a team on
 * one instance, readers polling it on each, sync requests whose fate is followed to the end, and
 * the staleness of what the readers saw. Every request has a timeout; nothing here waits unbounded.
 */
import { Redis } from 'ioredis';
import { sleep } from './fixtures.ts';

/** Every request of the load gives up after this long (counted as an error). */
export const REQUEST_TIMEOUT_MS = 10_000;

const NAME = 'Mobile v';
const versionOf = (name: string): number => (name.startsWith(NAME) ? Number(name.slice(NAME.length)) : -1);

/** One read of the renamed team. */
export interface Read {
  sentAt: number;
  answeredAt: number;
  version: number;
}

/** What the writer saw. */
export interface Written {
  acks: { version: number; at: number }[];
  times: number[];
  errors: number;
}

/** What a reader saw. */
export interface ReadLog {
  reads: Read[];
  times: number[];
  errors: number;
  unavailable: number;
}

/** Renames team `team` on `base` one PATCH after another while `running()`. */
export async function writer(
  base: string,
  cookie: string,
  team: number,
  first: number,
  running: () => boolean,
): Promise<Written> {
  const out: Written = { acks: [], times: [], errors: 0 };
  for (let version = first; running(); version++) {
    const sent = performance.now();
    try {
      const response = await fetch(`${base}/api/teams/${team}`, {
        method: 'PATCH',
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `${NAME}${version}` }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (response.status === 200) out.acks.push({ version, at: performance.now() });
      else out.errors++;
    } catch {
      out.errors++;
    }
    out.times.push(performance.now() - sent);
    await sleep(50);
  }
  return out;
}

/** Reads team `team` on `base` in a loop while `running()`. */
export async function reader(base: string, cookie: string, team: number, running: () => boolean): Promise<ReadLog> {
  const out: ReadLog = { reads: [], times: [], errors: 0, unavailable: 0 };
  while (running()) {
    const sentAt = performance.now();
    try {
      const response = await fetch(`${base}/api/teams/${team}`, {
        headers: { cookie },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (response.status !== 200) {
        out.errors++;
        if (response.status === 503) out.unavailable++;
        await response.arrayBuffer();
      } else {
        const { team: body } = (await response.json()) as { team: { name: string } };
        out.reads.push({ sentAt, answeredAt: performance.now(), version: versionOf(body.name) });
      }
    } catch {
      out.errors++;
    }
    out.times.push(performance.now() - sentAt);
    await sleep(5);
  }
  return out;
}

/**
 * Stale reads (sent after a newer version was acknowledged) and the longest window, from the
 * first acknowledgement a read missed to its answer.
 */
export function staleness(acks: readonly { version: number; at: number }[], reads: readonly Read[]) {
  let stale = 0;
  let longestMs = 0;
  for (const read of reads) {
    let newest: { version: number; at: number } | undefined;
    for (const ack of acks)
      if (ack.at < read.sentAt && (newest === undefined || ack.version > newest.version)) newest = ack;
    if (newest === undefined || read.version >= newest.version) continue;
    stale++;
    const missed = acks.filter((ack) => ack.version > read.version && ack.at < read.sentAt);
    const opened = Math.min(...missed.map((ack) => ack.at));
    longestMs = Math.max(longestMs, read.answeredAt - opened);
  }
  return { stale, longestMs: Math.round(longestMs) };
}

/** Asks for a full sync of each integration on `base`; returns the job ids acknowledged (202). */
export async function requestSyncs(base: string, cookie: string, integrationIds: readonly number[]): Promise<string[]> {
  const jobs: string[] = [];
  for (const id of integrationIds) {
    try {
      const response = await fetch(`${base}/api/integrations/${id}/sync?full=true`, {
        method: 'POST',
        headers: { cookie, origin: base },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await response.json()) as { jobId?: string };
      if (response.status === 202 && body.jobId) jobs.push(body.jobId);
    } catch {
      // Not acknowledged: not a sync anyone was promised.
    }
  }
  return jobs;
}

/**
 * Follows acknowledged sync jobs until each is completed or failed, or `deadlineMs` passes;
 * returns how many did not complete (lost or failed), and their last states.
 */
export async function followSyncs(
  bases: readonly string[],
  cookie: string,
  jobIds: readonly string[],
  deadlineMs: number,
): Promise<{ lost: number; states: string[] }> {
  const deadline = Date.now() + deadlineMs;
  const states = new Map<string, string>(jobIds.map((id) => [id, 'unknown']));
  let turn = 0;
  for (;;) {
    for (const id of jobIds) {
      if (states.get(id) === 'completed' || states.get(id) === 'failed') continue;
      const base = bases[turn++ % bases.length]!;
      try {
        const response = await fetch(`${base}/api/jobs/${id}`, {
          headers: { cookie },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        if (response.status === 404) states.set(id, 'not found');
        else if (response.status === 200)
          states.set(id, ((await response.json()) as { job: { state: string } }).job.state);
        else await response.arrayBuffer();
      } catch {
        // Asked again on the next pass.
      }
    }
    const open = [...states.values()].some((state) => state !== 'completed' && state !== 'failed');
    if (!open || Date.now() > deadline) break;
    await sleep(250);
  }
  const final = [...states.values()];
  return { lost: final.filter((state) => state !== 'completed').length, states: final };
}

/**
 * Watches the stampede locks under `prefix` on Redis directly (no proxy) while `running()`;
 * resolves to the longest time one lock (one holder's token) was seen held, in ms. A load holds
 * its lock for milliseconds; one seen for seconds has a holder that will not release it, and
 * every reader of its key waits for it. Each check gives up after 500 ms (Redis may be frozen).
 */
export async function lockWatch(url: string, prefix: string, running: () => boolean): Promise<number> {
  const redis = new Redis(url, { commandTimeout: 500, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const seen = new Map<string, number>();
  let longest = 0;
  try {
    while (running()) {
      try {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, page] = await redis.scan(cursor, 'MATCH', `${prefix}:lock:*`, 'COUNT', 1_000);
          cursor = next;
          keys.push(...page);
        } while (cursor !== '0');
        const tokens = keys.length > 0 ? await redis.mget(keys) : [];
        const now = performance.now();
        for (const token of tokens) {
          if (token === null) continue;
          const first = seen.get(token) ?? now;
          seen.set(token, first);
          longest = Math.max(longest, now - first);
        }
      } catch {
        // Redis frozen or restarting: the next check sees the locks that outlived it.
      }
      await sleep(100);
    }
  } finally {
    redis.disconnect();
  }
  return Math.round(longest);
}
