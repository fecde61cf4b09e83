/**
 * Injected faults. A rule matches a method and a path pattern and applies to the next `times`
 * matching requests, to a seeded fraction of them (`probability`), or to all of them until the
 * rules are replaced or reset. Rules are checked in order; the first that fires wins.
 *
 * Path patterns: `:name` and `*` match one path segment, `**` matches anything (slashes too), so
 * `/repos/:owner/:repo/pulls`, `/repos/acme/web/*` and `/rest/**` all work. The query string is
 * never part of the match.
 */
import { z } from 'zod';
import type { Random } from './random.ts';

/** What a firing rule does to the request. */
export const faultSchema = z.discriminatedUnion('type', [
  /** Answer with this status and an API-shaped error body. */
  z.object({ type: z.literal('status'), status: z.number().int().min(400).max(599) }),
  /** Answer 429 with `Retry-After: retryAfterSeconds`. */
  z.object({ type: z.literal('rate-limit'), retryAfterSeconds: z.number().int().min(0).default(1) }),
  /**
   * Hold the request for `ms` (default: until `reset()`/`close()`, never longer than the
   * simulator's `maxHoldMs`), then drop the connection without an answer (`after: 'close'`) or
   * answer normally, late (`after: 'respond'`).
   */
  z.object({
    type: z.literal('timeout'),
    ms: z.number().int().positive().optional(),
    after: z.enum(['close', 'respond']).default('close'),
  }),
  /** Answer 200 with `content-type: application/json` and a body that is not JSON. */
  z.object({ type: z.literal('malformed') }),
]);

/** One fault rule as a test or the admin API writes it. */
export const faultRuleSchema = z.object({
  /** HTTP method, or `*` for any. @default '*' */
  method: z
    .string()
    .default('*')
    .transform((m) => m.toUpperCase()),
  /** Path pattern (see the module comment). */
  path: z.string().startsWith('/'),
  /** Apply to this many matching requests, then retire. */
  times: z.number().int().positive().optional(),
  /** Apply to this fraction of matching requests (seeded draws). @default 1 */
  probability: z.number().min(0).max(1).optional(),
  fault: faultSchema,
});

/** A fault rule as written (defaults optional). */
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
/** A fault rule with its defaults filled in. */
export type FaultRule = z.output<typeof faultRuleSchema>;
/** A fault with its defaults filled in. */
export type Fault = z.output<typeof faultSchema>;

/** A rule as the simulator keeps it: `remaining` counts down when `times` was given. */
export interface ActiveFaultRule {
  method: string;
  path: string;
  probability: number;
  remaining: number | null;
  fault: Fault;
}

interface CompiledRule extends ActiveFaultRule {
  pattern: RegExp;
}

/** Turns a path pattern into an anchored regular expression. */
export function compilePathPattern(pattern: string): RegExp {
  const source = pattern
    .split(/(\*\*|\*|:[A-Za-z_][A-Za-z0-9_]*)/)
    .map((part) => {
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      if (part.startsWith(':')) return '[^/]+';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** Rules as the injector keeps them, from rules already validated by `faultRuleSchema`. */
export function activateRules(rules: readonly FaultRule[]): ActiveFaultRule[] {
  return rules.map((rule) => ({
    method: rule.method,
    path: rule.path,
    probability: rule.probability ?? 1,
    remaining: rule.times ?? null,
    fault: rule.fault,
  }));
}

/** The active rules and the draws that decide whether a fractional rule fires. */
export class FaultInjector {
  private rules: CompiledRule[] = [];

  constructor(private readonly random: Random) {}

  /** Replaces every rule. */
  set(rules: readonly ActiveFaultRule[]): void {
    this.rules = rules.map((rule) => ({ ...rule, pattern: compilePathPattern(rule.path) }));
  }

  /** Appends rules after the existing ones. */
  add(rules: readonly ActiveFaultRule[]): void {
    this.rules.push(...rules.map((rule) => ({ ...rule, pattern: compilePathPattern(rule.path) })));
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The active rules, with what is left of each `times`. */
  list(): ActiveFaultRule[] {
    return this.rules.map(({ pattern: _pattern, ...rule }) => ({ ...rule }));
  }

  /** The fault for this request, if a rule fires; spends one of that rule's `times`. */
  match(method: string, path: string): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.method !== '*' && rule.method !== method.toUpperCase()) continue;
      if (!rule.pattern.test(path)) continue;
      // Draw only for fractional rules, so adding a `times` rule never shifts the random sequence.
      if (rule.probability < 1 && this.random.next() >= rule.probability) continue;
      if (rule.remaining !== null) {
        rule.remaining--;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      }
      return rule.fault;
    }
    return undefined;
  }
}
