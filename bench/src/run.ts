/**
 * `npm run bench`: measures @agiletrack/cache against peer libraries and writes RESULTS.md.
 * Sections: in-memory, Redis as L2 and a Redis outage. See README.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { measureBundle, renderBundle, writeBundleSection } from './bundle.ts';
import { readConfig } from './config.ts';
import { describeMachine, MEASURED_PACKAGES, packageVersion, redisServerVersion } from './machine.ts';
import { runMemory } from './memory.ts';
import { runOutage } from './outage.ts';
import { probeRedis, runRedis } from './redis.ts';
import { keepOtherSections, type Outcome, type RunReport, renderReport } from './report.ts';
import { checkRedisTargets, checkTargets } from './targets.ts';
import {
  bentoBuilder,
  cacheableBuilder,
  cacheableNonBlockingBuilder,
  managerBuilder,
  oursBuilder,
  type RedisTierModule,
  type TieredBuilder,
} from './tiered.ts';

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Loads our Redis tier, or says why it cannot be used yet (it is being written alongside). */
async function loadRedisTier(): Promise<RedisTierModule | string> {
  try {
    const mod = await import('@agiletrack/cache/redis');
    if (typeof mod.redisTier !== 'function')
      return 'packages/cache/src/backends/redis/tier.ts does not export `redisTier` yet';
    return mod;
  } catch (error) {
    return `packages/cache/src/backends/redis/tier.ts could not be loaded: ${reasonOf(error)}`;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const started = new Date();
  const t0 = performance.now();
  const machine = describeMachine();
  log(`bench: ${config.quick ? 'QUICK smoke run' : 'full run'}; writing ${config.out}`);
  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAtStart.map((n) => n.toFixed(2)).join(' ')}`,
  );

  let memory: Outcome<Awaited<ReturnType<typeof runMemory>>> = { ran: false, reason: 'not selected (BENCH_ONLY)' };
  let targets: RunReport['targets'];
  if (config.sections.has('memory')) {
    log('in-memory');
    try {
      memory = { ran: true, value: await runMemory(config, log) };
      targets = checkTargets(memory.value);
      for (const t of targets) log(`  ${t.pass ? 'PASS' : 'FAIL'} ${t.ratio.toFixed(2)}× (${t.bound}) ${t.target}`);
    } catch (error) {
      memory = { ran: false, reason: `failed: ${reasonOf(error)}` };
      log(`  in-memory section failed: ${reasonOf(error)}`);
    }
  }

  const tier = await loadRedisTier();
  const builders: TieredBuilder[] =
    typeof tier === 'string' ? [] : [oursBuilder(tier), bentoBuilder, managerBuilder, cacheableBuilder];
  const outageBuilders = [...builders, cacheableNonBlockingBuilder];

  let redis: RunReport['redis'] = { ran: false, reason: 'not selected (BENCH_ONLY)' };
  if (config.sections.has('redis')) {
    const unreachable = typeof tier === 'string' ? tier : await probeRedis(config.redisUrl);
    if (unreachable) {
      redis = { ran: false, reason: unreachable };
      log(`Redis as L2 skipped: ${unreachable}`);
    } else {
      log(`Redis as L2 at ${config.redisUrl}`);
      try {
        redis = { ran: true, value: await runRedis(config, builders, log) };
        for (const t of checkRedisTargets(redis.value)) {
          log(`  ${t.pass ? 'PASS' : 'FAIL'} ${t.ratio.toFixed(2)}× (${t.bound}) ${t.target}`);
        }
      } catch (error) {
        redis = { ran: false, reason: `failed: ${reasonOf(error)}` };
        log(`  Redis section failed: ${reasonOf(error)}`);
      }
    }
  }

  let outage: RunReport['outage'] = { ran: false, reason: 'not selected (BENCH_ONLY)' };
  if (config.sections.has('outage')) {
    const serverVersion = redisServerVersion();
    if (typeof tier === 'string') outage = { ran: false, reason: tier };
    else if (serverVersion === undefined) outage = { ran: false, reason: 'no `redis-server` binary on PATH' };
    else {
      log('Redis outage (private redis-server, SIGSTOP in the middle)');
      try {
        outage = { ran: true, value: await runOutage(config, outageBuilders, log) };
      } catch (error) {
        outage = { ran: false, reason: `the private redis-server could not be used: ${reasonOf(error)}` };
      }
    }
    if (!outage.ran) log(`  outage skipped: ${outage.reason}`);
  }

  const report: RunReport = {
    started,
    durationMs: performance.now() - t0,
    config,
    machine,
    loadAtEnd: loadavg(),
    packages: MEASURED_PACKAGES.map((name) => [name, packageVersion(name)] as const),
    redisServerVersion: redisServerVersion(),
    memory,
    targets,
    redis,
    outage,
    tieredSetups: outageBuilders.map(({ lib, setup }) => ({ lib, setup })),
  };
  // Sections written by `bench:http` and `bench:sync` stay: the commands run in any order.
  const previous = existsSync(config.out) ? readFileSync(config.out, 'utf8') : '';
  writeFileSync(config.out, keepOtherSections(renderReport(report), previous));
  try {
    writeBundleSection(config.out, renderBundle(await measureBundle(), new Date()));
  } catch (error) {
    log(`browser bundle not measured: ${reasonOf(error)}`);
  }
  log(`wrote ${config.out} (${(report.durationMs / 1000).toFixed(0)} s)`);
}

main().then(
  // Some clients keep sockets or timers alive after close; the report is written, so leave.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
