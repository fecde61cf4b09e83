/**
 * `/metrics` is valid Prometheus text (promtool), the shipped alert rules are valid and are the
 * server's own rules, and every metric the rules and the Grafana dashboard use is one the server
 * exports.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { ALERT_RULES } from './alerts.ts';
import { defaultRuleFile, RULE_FILE as RULES } from './prometheus-rules.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

const DASHBOARD = `${root}ops/grafana/agiletrack-cache.json`;

const METRICS_TOKEN = 'a-scraper-token-for-prometheus';

/** Every `agiletrack_…` name in a PromQL expression. */
const metricNames = (expr: string): string[] => expr.match(/\bagiletrack_[a-z0-9_]+/g) ?? [];

describe('prometheus metrics, rules and dashboard', () => {
  let t: TestServer;
  let text: string;

  beforeAll(async () => {
    t = await startTestServer('redis', { env: { METRICS_TOKEN } });
    // A miss, a load and hits, so tier and load histograms have samples.
    for (let i = 0; i < 3; i++) await t.request({ method: 'GET', url: `/api/teams/${t.ids.teamA}/metrics` });
    const response = await t.request({
      method: 'GET',
      url: '/metrics',
      as: null,
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    text = response.body;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("ships the rule file generated from the server's rules, one alert each (npm run ops:alerts)", () => {
    expect(readFileSync(RULES, 'utf8')).toBe(defaultRuleFile());
    expect(readFileSync(RULES, 'utf8').match(/- alert: /g)).toHaveLength(ALERT_RULES.length);
  });

  const exported = () =>
    new Set(
      text
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.split(/[{ ]/)[0]!),
    );

  it('passes promtool check metrics, with counters, gauges and histograms typed as such', () => {
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.error, 'promtool must be installed (Debian package prometheus)').toBeUndefined();
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
    expect(text).toContain('# TYPE agiletrack_cache_hits_total counter');
    expect(text).toContain('# TYPE agiletrack_cache_family_operations_total counter');
    expect(text).toContain('# TYPE agiletrack_cache_entries gauge');
    expect(text).toContain('# TYPE agiletrack_cache_load_duration_seconds histogram');
    expect(text).toContain('# TYPE agiletrack_cache_tier_duration_seconds histogram');
    expect(text).toMatch(/agiletrack_cache_family_operations_total\{family="team_metrics",outcome="load"\} 1\n/);
    expect(text).toMatch(/agiletrack_cache_load_duration_seconds_count\{family="team_metrics"\} 1\n/);
    expect(text).toMatch(/agiletrack_cache_tier_duration_seconds_bucket\{tier="redis",op="get",le="\+Inf"\} [1-9]/);
    expect(text).toMatch(/agiletrack_redis_used_memory_bytes [1-9]/);
  });

  it('ships alert rules that promtool accepts', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS: 7 rules/);
  });

  it('refers only to exported metrics in the rules and the dashboard', () => {
    const names = exported();
    const rules = readFileSync(RULES, 'utf8');
    const exprs = [...rules.matchAll(/expr: (\|\n(?: {10}.*\n)+|.*)/g)].map((m) => m[1]!);
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    exprs.push(...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)));
    expect(exprs.length).toBeGreaterThan(15);
    const used = new Set(exprs.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((name) => !names.has(name));
    expect(missing).toEqual([]);
  });
});
