/**
 * OpenTelemetry spans from the cache's tracing channel: one span per public operation
 * (`cache.get`, `cache.getOrSetMany`, …) with the operation, the number of keys, and each key's
 * family, the tier that answered and the outcome. The library itself depends on no tracer: it
 * publishes on `node:diagnostics_channel`, and this file is all it takes to turn that into spans.
 *
 *   import { trace } from '@opentelemetry/api';
 *   const stop = traceCacheOperations(trace.getTracer('cache'));
 *
 * Spans carry no keys unless `keys: true` (keys may hold ids; families are bounded).
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { type Attributes, type Span, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { type OperationContext, TRACING_CHANNEL } from '../src/index.ts';

/** Options of {@link traceCacheOperations}. */
export interface CacheTracingOptions {
  /** The tracing channel: the cache's `diagnosticsChannel` option + `.operation`. @default TRACING_CHANNEL */
  channel?: string;
  /** Record the keys themselves (`cache.keys`). @default false */
  keys?: boolean;
}

/** One value when every key agrees, else the distinct values in order of first appearance. */
function collapse(values: readonly (string | undefined)[]): string | string[] | undefined {
  const distinct = [...new Set(values.filter((value): value is string => value !== undefined))];
  if (distinct.length === 0) return undefined;
  return distinct.length === 1 ? distinct[0] : distinct;
}

function endAttributes(context: OperationContext): Attributes {
  const attributes: Attributes = {};
  const tier = collapse(context.outcomes.map((o) => o.tier));
  const outcome = collapse(context.outcomes.map((o) => o.outcome));
  if (tier !== undefined) attributes['cache.tier'] = tier;
  if (outcome !== undefined) attributes['cache.outcome'] = outcome;
  const hits = context.outcomes.filter((o) => o.outcome === 'hit').length;
  if (context.keys.length > 1) attributes['cache.hits'] = hits;
  return attributes;
}

/** Subscribes to the cache's tracing channel and makes spans with `tracer`; returns the unsubscribe function. */
export function traceCacheOperations(tracer: Tracer, options: CacheTracingOptions = {}): () => void {
  const channel = tracingChannel<unknown, OperationContext>(options.channel ?? TRACING_CHANNEL);
  const spans = new WeakMap<OperationContext, Span>();
  const handlers = {
    start(context: OperationContext) {
      const attributes: Attributes = { 'cache.operation': context.op, 'cache.key_count': context.keys.length };
      const family = context.families && collapse(context.families);
      if (family !== undefined) attributes['cache.key_family'] = family;
      if (options.keys) attributes['cache.keys'] = [...context.keys];
      spans.set(context, tracer.startSpan(`cache.${context.op}`, { attributes }));
    },
    end() {},
    asyncStart() {},
    asyncEnd(context: OperationContext) {
      const span = spans.get(context);
      if (span === undefined) return;
      spans.delete(context);
      span.setAttributes(endAttributes(context));
      span.end();
    },
    error(context: OperationContext) {
      const span = spans.get(context);
      if (span === undefined) return;
      const error = context.error;
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    },
  };
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
