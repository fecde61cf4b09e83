/** Renders a run as RESULTS.md. */
import type { BenchConfig } from './config.ts';
import type { Machine } from './machine.ts';
import { MEMORY_SETUPS, type MemoryResults, NAMES, STAMPEDE_CALLERS } from './memory.ts';
import type { OutageResults } from './outage.ts';
import { HUNG_MS } from './outage.ts';
import { BATCH, type RedisResults } from './redis.ts';
import { checkRedisTargets, type TargetCheck } from './targets.ts';
import type { Row } from './timing.ts';

/** A section's results, or why it did not run. */
export type Outcome<T> = { ran: true; value: T } | { ran: false; reason: string };

/** Everything a report shows. */
export interface RunReport {
  started: Date;
  durationMs: number;
  config: BenchConfig;
  machine: Machine;
  loadAtEnd: readonly number[];
  packages: readonly (readonly [string, string])[];
  redisServerVersion: string | undefined;
  memory: Outcome<MemoryResults>;
  targets: TargetCheck[] | undefined;
  redis: Outcome<RedisResults>;
  outage: Outcome<OutageResults>;
  tieredSetups: readonly { lib: string; setup: string }[];
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** ns with one decimal below 100 ns, thousands separators above. */
function nsText(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  return ns < 100 ? ns.toFixed(1) : int.format(ns);
}

function opsText(ns: number): string {
  return Number.isFinite(ns) && ns > 0 ? int.format(1e9 / ns) : '–';
}

function msText(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return ms.toFixed(3);
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : int.format(ms);
}

type Align = 'left' | 'right';

/**
 * A Markdown table padded the way Biome formats one (Biome also formats Markdown), so the
 * generated file passes `biome check` without a formatting pass.
 */
export function table(columns: readonly (readonly [string, Align])[], rows: readonly (readonly string[])[]): string[] {
  const clean = rows.map((row) => row.map((text) => text.replaceAll('|', '/')));
  const widths = columns.map(([title], i) => Math.max(3, title.length, ...clean.map((row) => row[i]!.length)));
  const right = (i: number): boolean => columns[i]![1] === 'right';
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((text, i) => (right(i) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (right(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(columns.map(([title]) => title)), rule, ...clean.map(line)];
}

function timingTable(rows: readonly Row[], reference: string): string[] {
  const ref = rows.find((row) => row.lib === reference) ?? rows[0];
  return table(
    [
      ['library', 'left'],
      ['avg ns/op', 'right'],
      ['p99 ns/op', 'right'],
      ['ops/s', 'right'],
      ['× ours', 'right'],
      ['note', 'left'],
    ],
    rows.map((row) => [
      row.lib === ref?.lib ? `**${row.lib}**` : row.lib,
      nsText(row.timing.avg),
      nsText(row.timing.p99),
      opsText(row.timing.avg),
      ref ? `${(row.timing.avg / ref.timing.avg).toFixed(2)}×` : '–',
      row.note ?? '',
    ]),
  );
}

function skipped(reason: string): string[] {
  return [`**Skipped:** ${reason}`, ''];
}

function memorySection(memory: MemoryResults, targets: TargetCheck[] | undefined, config: BenchConfig): string[] {
  const out: string[] = ['## In-memory caches', ''];
  out.push(
    `Each case reads or writes a different key of a warm 1,024-key set on every call (the keys in turn), never one hot key. mitata measured each case for at least ${config.caseMs} ms; a sample is the mean of a batch of 4,096 calls, so **p99 is the 99th percentile of batch means** (per-call times of ~50 ns are below timer resolution). The "×" column divides each mean by ours: above 1 is slower than ours.`,
    '',
  );
  out.push('### L1-hit `get`, awaited', '', ...timingTable(memory.get, NAMES.ours), '');
  out.push('### Synchronous read', '', ...timingTable(memory.getSync, NAMES.oursSync), '');
  out.push('### L1-hit `getOrSet`', '', ...timingTable(memory.getOrSet, NAMES.oursGetOrSet), '');
  out.push(
    'cacheable also has `wrap` (memoizes a function by its arguments); `getOrSet` is its cache-aside call with the same key semantics as the others, so that is what is measured.',
    '',
  );
  out.push('### `set` (awaited where asynchronous)', '', ...timingTable(memory.set, NAMES.ours), '');
  out.push(
    `### Cold-key stampede: ${STAMPEDE_CALLERS} concurrent \`getOrSet\` on a fresh key, factory awaits \`setTimeout(1)\``,
    '',
    'Repeated on a new key each time; the time is per stampede (all 100 callers answered). The factory-call count is the point: 1 means the callers shared one load.',
    '',
  );
  out.push(
    ...table(
      [
        ['library', 'left'],
        ['avg ms / stampede', 'right'],
        ['p99 ms', 'right'],
        ['stampedes', 'right'],
        ['factory calls per stampede (avg)', 'right'],
        ['min', 'right'],
        ['max', 'right'],
        ['callers without the value', 'right'],
      ],
      memory.stampede.map((row) => [
        row.lib,
        msText(row.timing.avg / 1e6),
        msText(row.timing.p99 / 1e6),
        String(row.stampedes),
        String(row.factoryCallsAvg),
        String(row.factoryCallsMin),
        String(row.factoryCallsMax),
        String(row.wrongResults),
      ]),
    ),
  );
  out.push('');
  if (targets) {
    const passed = targets.filter((t) => t.pass).length;
    out.push(`### Targets (${passed} of ${targets.length} met)`, '', 'Ratios of mean ns/op.', '');
    for (const t of targets) {
      out.push(
        `- [${t.pass ? 'x' : ' '}] **${t.pass ? 'PASS' : 'FAIL'}** ${t.target}: **${t.ratio.toFixed(2)}×** (needs ${t.bound}) — ${t.detail}`,
      );
    }
    out.push('');
  }
  return out;
}

function redisSection(redis: RedisResults, config: BenchConfig): string[] {
  const out: string[] = ['## Redis as L2', ''];
  out.push(
    `Redis ${redis.serverVersion} at \`${config.redisUrl}\` (shared with other users of this machine). L1 holds 16 entries and the working set is 1,024 keys, so every read misses L1 and hits L2, and each library pays its own promotion into L1 where it does one. Each call is timed on its own (per-call p99), at least ${config.redisCaseMs} ms per case. Keys lived under \`${redis.prefix}*\`; ${redis.deletedKeys >= 0 ? `${redis.deletedKeys} keys were deleted afterwards` : 'the cleanup failed (see the log)'}. The "×" column divides each mean by ours.`,
    '',
  );
  out.push('### Tiered `get` (L1 miss → L2 hit)', '', ...timingTable(redis.get, NAMES.ours), '');
  out.push('### `getOrSet` (L2 hit, factory never runs)', '', ...timingTable(redis.getOrSet, NAMES.ours), '');
  out.push(`### \`getMany\` of ${BATCH} keys (all L2 hits)`, '', ...timingTable(redis.getMany, NAMES.ours), '');
  out.push(
    `### \`getOrSetMany\` of ${BATCH} keys (all L2 hits, the loader never runs)`,
    '',
    'Ours is one `getOrSetMany` call; no other library has a batch `getOrSet`, so theirs is the best equivalent: ' +
      `${BATCH} concurrent \`getOrSet\` calls (\`Promise.all\`).`,
    '',
    ...timingTable(redis.getOrSetMany, NAMES.ours),
    '',
  );
  out.push('### `set` (both tiers)', '', ...timingTable(redis.set, NAMES.ours), '');
  const targets = checkRedisTargets(redis);
  // "(reference)" and "(floor)" lines give context for the targets; they are not targets.
  const real = targets.filter((t) => !t.target.startsWith('('));
  out.push(
    `### Targets (${real.filter((t) => t.pass).length} of ${real.length} met)`,
    '',
    'Medians of per-round ratios over alternating rounds (ours, then the floor, and so on), same run. Lines in parentheses are context, not targets: "(floor)" is what parsing the values alone costs over raw `MGET`, which no cache returning values can go below.',
    '',
  );
  for (const t of targets) {
    out.push(
      `- [${t.pass ? 'x' : ' '}] **${t.pass ? 'PASS' : 'FAIL'}** ${t.target}: **${t.ratio.toFixed(2)}×** (needs ${t.bound}) — ${t.detail}`,
    );
  }
  out.push('');
  if (redis.eventErrors.length > 0) {
    out.push(
      `Errors reported through events (not rejections) during these cases: ${redis.eventErrors.map((e) => `${e.lib} ${e.count}`).join(', ')}.`,
      '',
    );
  }
  return out;
}

function outageSection(outage: OutageResults, config: BenchConfig): string[] {
  const out: string[] = ['## Redis outage', ''];
  out.push(
    `Each library in its tiered setup (see "Tiered setups"), against a private redis-server ${outage.redisVersion} on a spare loopback port (the shared Redis is never touched). L1 holds 16 entries and ${config.outageLoops} concurrent loops call \`getOrSet\` on random keys of the 1,024 prepared ones for ${config.outageRunMs / 1000} s; the server is frozen with SIGSTOP at ${config.outageStopAtMs / 1000} s for ${config.outageStopForMs / 1000} s, then SIGCONT. Connections stay open while frozen and nothing answers: a client without deadlines waits. Every call is bounded at ${HUNG_MS / 1000} s by the harness and counted as hung past it. "factory calls" are calls answered by running the factory (the cache was bypassed or missed).`,
    '',
  );
  out.push(
    ...table(
      [
        ['library', 'left'],
        ['calls', 'right'],
        ['started while frozen', 'right'],
        ['failed (rejected)', 'right'],
        ['hung (> 5 s)', 'right'],
        ['factory calls', 'right'],
        ['p50 ms', 'right'],
        ['p99 ms', 'right'],
        ['max ms', 'right'],
        ['calls > 1 s', 'right'],
      ],
      outage.rows.map((row) => [
        row.error ? `${row.lib} (error: ${row.error})` : row.lib,
        int.format(row.calls),
        int.format(row.callsWhileFrozen),
        String(row.failed),
        String(row.hung),
        int.format(row.factoryCalls),
        msText(row.p50Ms),
        msText(row.p99Ms),
        msText(row.maxMs),
        String(row.over1s),
      ]),
    ),
  );
  out.push('');
  return out;
}

// Sections that other commands own (`npm run bench:http`, `npm run bench:sync`), each between its
// markers: `<!-- bench:NAME -->` … `<!-- /bench:NAME -->`, or `<!-- bench:NAME:start -->` …
// `<!-- bench:NAME:end -->`. A run of `npm run bench` keeps them as they are.
const OTHER_SECTION = /<!-- bench:([\w-]+?)(?::start)? -->[\s\S]*?<!-- (?:\/bench:\1|bench:\1:end) -->/g;
const OTHER_SECTION_START = '<!-- bench:';

/** `report` followed by the sections of `previous` (the file it replaces) that other commands wrote. */
export function keepOtherSections(report: string, previous: string): string {
  const kept = previous.match(OTHER_SECTION) ?? [];
  return kept.length === 0 ? report : `${report.trimEnd()}\n\n${kept.join('\n\n')}\n`;
}

/**
 * Replaces the section that starts with `heading` (up to the next heading or marked section) by
 * `section`; when there is none, puts it before the marked sections, or last.
 */
export function replaceSection(text: string, heading: string, section: string): string {
  const body = `${section.trimEnd()}\n`;
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) {
    const marked = text.indexOf(OTHER_SECTION_START);
    if (marked < 0) return `${text.trimEnd()}\n\n${body}`;
    return `${text.slice(0, marked).trimEnd()}\n\n${body}\n${text.slice(marked)}`;
  }
  const ends = [text.indexOf('\n## ', start + 1), text.indexOf(`\n${OTHER_SECTION_START}`, start + 1)].filter(
    (at) => at >= 0,
  );
  if (ends.length === 0) return `${text.slice(0, start)}${body}`;
  return `${text.slice(0, start)}${body}\n${text.slice(Math.min(...ends) + 1)}`;
}

/** The whole report as Markdown. */
export function renderReport(r: RunReport): string {
  const { machine, config } = r;
  const load = (l: readonly number[]) => l.map((n) => n.toFixed(2)).join(' / ');
  // Busy: more than half of one core already taken by something else when the run started.
  const busy = machine.loadAtStart[0]! > 0.5;
  const out: string[] = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${r.started.toISOString()} in ${(r.durationMs / 1000).toFixed(0)} s. Each run rewrites this file except the sections of \`bench:http\` and \`bench:sync\`; the committed copy is the record. How to run and what each case means: [README.md](README.md).`,
    '',
  ];
  if (config.quick) out.push('> **Quick smoke run (`BENCH_QUICK=1`)**: too short to be a record.', '');
  out.push(
    '## Machine',
    '',
    `- CPU: ${machine.cpu}, ${machine.cores} cores`,
    `- Memory: ${machine.memory}`,
    `- Node ${machine.node}, ${machine.os}`,
    `- Redis server (redis-server binary): ${r.redisServerVersion ?? 'not installed'}`,
    `- Load average (1 / 5 / 15 min) at start: ${load(machine.loadAtStart)}; at end: ${load(r.loadAtEnd)} (the end figure includes this run)`,
  );
  if (busy) {
    out.push(
      `- **The machine was busy**: other processes were using the CPU when the run started. Absolute numbers are noisier than on an idle machine; ratios between libraries measured back to back are more robust.`,
    );
  }
  out.push(
    '',
    '## Versions',
    '',
    ...table(
      [
        ['package', 'left'],
        ['version', 'left'],
      ],
      r.packages.map(([name, version]) => [name, version]),
    ),
  );
  out.push('', '## In-memory setups', '');
  for (const { lib, setup } of MEMORY_SETUPS) out.push(`- **${lib}**: ${setup}`);
  out.push('', 'Every library stores the same ~230-byte object; TTL 1 h everywhere.', '');

  if (r.redis.ran || r.outage.ran) {
    out.push('## Tiered setups (Redis sections)', '');
    for (const { lib, setup } of r.tieredSetups) out.push(`- **${lib}**: ${setup}`);
    out.push(
      '- **ioredis (limit)**: `new Redis(url)`, raw commands on pre-encoded strings: the wire cost alone',
      '',
      'L1 holds 16 entries in every setup, far fewer than the 1,024-key working set, so reads reach Redis.',
      '',
    );
  }
  if (r.memory.ran) out.push(...memorySection(r.memory.value, r.targets, config));
  else out.push('## In-memory caches', '', ...skipped(r.memory.reason));
  if (r.redis.ran) out.push(...redisSection(r.redis.value, config));
  else out.push('## Redis as L2', '', ...skipped(r.redis.reason));
  if (r.outage.ran) out.push(...outageSection(r.outage.value, config));
  else out.push('## Redis outage', '', ...skipped(r.outage.reason));
  return `${out.join('\n').trimEnd()}\n`;
}
