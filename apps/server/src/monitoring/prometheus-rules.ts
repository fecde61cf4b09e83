/**
 * The server's alert rules as Prometheus alerting rules, for deployments that alert through
 * Prometheus and Alertmanager: one rule per rule the server evaluates itself, with the same
 * thresholds. `ops/prometheus/alerts.yml` is this file's output for the default settings
 * (`npm run ops:alerts` writes it; a test fails when it differs).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.ts';
import { ALERT_RULES, type AlertThresholds, alertThresholds } from './alerts.ts';

/** Where the rule file for the default settings lives. */
export const RULE_FILE = fileURLToPath(new URL('../../../../ops/prometheus/alerts.yml', import.meta.url));

interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  severity: 'warning' | 'critical';
  summary: string;
  description?: string;
}

/** `300000` → `5m`, `3600000` → `1h`, else seconds. */
function range(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

/** The Prometheus rule of each server rule, with `t`'s thresholds. */
function rules(t: AlertThresholds): Record<(typeof ALERT_RULES)[number], PrometheusRule> {
  const w = range(t.windowMs);
  const rate = (metric: string) => `sum by (instance, tier) (rate(${metric}[${w}]))`;
  const familyRate = (outcome: string, window: string) =>
    `sum by (family) (rate(agiletrack_cache_family_operations_total{outcome=${outcome}}[${window}]))`;
  return {
    'breaker-open': {
      alert: 'AgileTrackCacheBreakerOpen',
      expr: 'max by (instance, tier) (agiletrack_cache_breaker_open) > 0',
      for: '15s',
      severity: 'critical',
      summary: 'Circuit breaker of the {{ $labels.tier }} tier is open on {{ $labels.instance }}',
      description: 'Reads skip the tier and go to the next one or to the database.',
    },
    'tier-errors': {
      alert: 'AgileTrackCacheTierErrorRate',
      expr: [
        '(',
        `  ${rate('agiletrack_cache_errors_total')}`,
        `  + ${rate('agiletrack_cache_timeouts_total')}`,
        ')',
        '/',
        '(',
        `  ${rate('agiletrack_cache_hits_total')}`,
        ...['misses', 'writes', 'errors', 'timeouts'].map((name) => `  + ${rate(`agiletrack_cache_${name}_total`)}`),
        `) > ${t.errorRate}`,
      ].join('\n'),
      for: '1m',
      severity: 'warning',
      summary: `More than ${percent(t.errorRate)} of calls to the {{ $labels.tier }} tier fail or time out on {{ $labels.instance }}`,
    },
    'hit-rate-drop': {
      alert: 'AgileTrackCacheHitRateDrop',
      expr: [
        '(',
        `  ${familyRate('"hit"', w)}`,
        `  / ${familyRate('~"hit|miss"', w)}`,
        ')',
        '<',
        '(',
        `  ${familyRate('"hit"', '1h')}`,
        `  / ${familyRate('~"hit|miss"', '1h')}`,
        `) - ${t.hitRateDrop}`,
      ].join('\n'),
      for: w,
      severity: 'warning',
      summary: `The {{ $labels.family }} hit rate is ${Math.round(t.hitRateDrop * 100)} points below its last-hour level`,
    },
    'redis-memory': {
      alert: 'AgileTrackRedisMemoryHigh',
      expr: `max by (instance) (agiletrack_redis_used_memory_bytes) / max by (instance) (agiletrack_redis_maxmemory_bytes > 0) > ${t.redisMemoryRatio}`,
      for: '2m',
      severity: 'critical',
      summary: `Redis uses more than ${percent(t.redisMemoryRatio)} of maxmemory`,
    },
    evictions: {
      alert: 'AgileTrackCacheEvictions',
      expr: [
        `max by (instance) (increase(agiletrack_redis_evicted_keys_total[${w}])) >= ${t.evictions}`,
        `or sum by (instance, tier) (increase(agiletrack_cache_evictions_total{tier!="memory"}[${w}])) >= ${t.evictions}`,
      ].join('\n'),
      severity: 'warning',
      summary: 'Cache entries are being evicted from shared storage',
    },
    'bus-gaps': {
      alert: 'AgileTrackCacheBusGaps',
      expr: `sum by (instance) (increase(agiletrack_cache_bus_gaps_total[${w}])) > 0`,
      severity: 'warning',
      summary: 'The invalidation bus reconnected on {{ $labels.instance }}: its local tiers were dropped',
    },
    'browser-quota': {
      alert: 'AgileTrackBrowserQuotaFailures',
      expr: `sum (increase(agiletrack_browser_quota_failures_total[${w}])) >= ${t.quotaFailures}`,
      severity: 'warning',
      summary: 'Dashboards report localStorage quota failures',
    },
  };
}

const quoted = (text: string) => JSON.stringify(text);

/** The rule file (YAML) for `thresholds`. */
export function prometheusRuleFile(thresholds: AlertThresholds): string {
  const byRule = rules(thresholds);
  const lines = [
    '# AgileTrack cache alerts: the rules the server evaluates itself (GET /api/admin/alerts), for',
    '# deployments that alert through Prometheus and Alertmanager, with the default ALERT_* thresholds.',
    '# Generated from apps/server/src/monitoring/prometheus-rules.ts by `npm run ops:alerts`: edit that file.',
    'groups:',
    '  - name: agiletrack-cache',
    '    rules:',
  ];
  for (const name of ALERT_RULES) {
    const rule = byRule[name];
    lines.push(`      - alert: ${rule.alert}`);
    if (rule.expr.includes('\n')) {
      lines.push('        expr: |', ...rule.expr.split('\n').map((line) => `          ${line}`));
    } else {
      lines.push(`        expr: ${rule.expr}`);
    }
    if (rule.for) lines.push(`        for: ${rule.for}`);
    lines.push('        labels:', `          severity: ${rule.severity}`, '        annotations:');
    lines.push(`          summary: ${quoted(rule.summary)}`);
    if (rule.description) lines.push(`          description: ${quoted(rule.description)}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The rule file for the default settings. */
export const defaultRuleFile = (): string => prometheusRuleFile(alertThresholds(loadConfig({})));

// `npm run ops:alerts`: writes the rule file.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(RULE_FILE, defaultRuleFile());
  console.log(`wrote ${RULE_FILE}`);
}
