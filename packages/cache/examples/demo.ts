/**
 * `npm run demo:cache`: a short, honest tour of the cache library on its own (memory L1 in front of
 * a second tier), printing what each step did and how long it took.
 */
import { createCache, hours, seconds } from '../src/index.ts';
import { memoryTier } from '../src/tiers/memory.ts';

const slowSource = async (team: number) => {
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { id: team, name: `Team ${team}`, throughput: 40 + team, computedAt: new Date() };
};

const cache = createCache({
  tiers: [memoryTier({ ttl: seconds(30), maxBytes: 16 * 1024 * 1024 }), memoryTier({ name: 'l2', serialize: true })],
  ttl: hours(1),
  grace: hours(6),
});

function line(label: string, started: number, extra = ''): void {
  console.log(`${label.padEnd(52)} ${(performance.now() - started).toFixed(3).padStart(9)} ms ${extra}`);
}

console.log('@agiletrack/cache demo: one cache, two tiers, a slow source\n');

let t = performance.now();
const status = {};
await cache.getOrSet('team_1_metrics', () => slowSource(1), { tags: ['team:1'], status });
line('cold read of team_1_metrics (factory runs)', t, JSON.stringify(status));

t = performance.now();
await cache.getOrSet('team_1_metrics', () => slowSource(1), { status });
line('warm read (L1 hit, no parse, no copy)', t, JSON.stringify(status));

t = performance.now();
let calls = 0;
await Promise.all(
  Array.from({ length: 1_000 }, () =>
    cache.getOrSet('team_2_metrics', () => {
      calls++;
      return slowSource(2);
    }),
  ),
);
line('1,000 concurrent reads of a cold key', t, `factory calls: ${calls}`);

t = performance.now();
await cache.invalidateTags(['team:1']);
line('invalidate tag team:1', t, `team_1_metrics now: ${JSON.stringify(await cache.get('team_1_metrics'))}`);

const stats = cache.stats();
console.log('\nper-tier stats:');
for (const tier of stats.tiers) {
  console.log(
    `  ${tier.name.padEnd(8)} hits ${tier.hits}  misses ${tier.misses}  entries ${tier.entries}  bytes ${tier.bytes}`,
  );
}
console.log(`  getOrSet: ${JSON.stringify(stats.getOrSet)}`);
await cache.close();
