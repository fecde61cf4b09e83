/**
 * Operations traced on the tracing channel, turned into OpenTelemetry spans by the example in
 * `examples/opentelemetry.ts`, read back from the in-memory span exporter.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { SpanStatusCode } from '@opentelemetry/api';
import type * as OtelSdk from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { traceCacheOperations } from '../examples/opentelemetry.ts';
import { createCache } from './cache.ts';
import { createFakeClock } from './clock.ts';
import type { OperationContext } from './core/events.ts';
import { faultyTier } from './testing/faulty-tier.ts';
import { memoryTier } from './tiers/memory.ts';

// The SDK's CommonJS build: its ES build imports files without extensions, which Node's loader
// refuses when the test runner resolves with the `module` condition.
const require = createRequire(import.meta.url);
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } =
  require('@opentelemetry/sdk-trace-base') as typeof OtelSdk;

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const stops: (() => void)[] = [];

afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  exporter.reset();
});

function tracedCache(channel: string) {
  stops.push(traceCacheOperations(provider.getTracer('cache-test'), { channel: `${channel}.operation` }));
  const remote = faultyTier(memoryTier(), 'remote');
  const cache = createCache({
    tiers: [memoryTier(), remote],
    clock: createFakeClock(),
    sweepInterval: 0,
    diagnosticsChannel: channel,
    family: (key) => key.replace(/\d+/g, ''),
  });
  return { cache, remote };
}

const spans = () =>
  exporter.getFinishedSpans().map((span) => ({ name: span.name, attributes: span.attributes, status: span.status }));

describe('tracing', () => {
  it('turns each operation into a span with its key family, tier and outcome', async () => {
    const { cache, remote } = tracedCache(`tracing-${Math.random()}`);
    await cache.set('team_1', { name: 'one' });
    await cache.get('team_1');
    remote.inner.set(
      'user_7',
      { value: 'u', createdAt: 0, expiresAt: Number.MAX_SAFE_INTEGER, staleUntil: Number.MAX_SAFE_INTEGER },
      60_000,
    );
    await cache.get('user_7');
    await cache.get('team_2');
    await cache.getOrSetMany(['team_1', 'team_3'], (keys) => keys.map((key) => key.toUpperCase()));
    expect(spans()).toEqual([
      {
        name: 'cache.set',
        attributes: {
          'cache.operation': 'set',
          'cache.key_count': 1,
          'cache.key_family': 'team_',
          'cache.outcome': 'write',
        },
        status: { code: SpanStatusCode.UNSET },
      },
      {
        name: 'cache.get',
        attributes: {
          'cache.operation': 'get',
          'cache.key_count': 1,
          'cache.key_family': 'team_',
          'cache.tier': 'memory',
          'cache.outcome': 'hit',
        },
        status: { code: SpanStatusCode.UNSET },
      },
      {
        name: 'cache.get',
        attributes: {
          'cache.operation': 'get',
          'cache.key_count': 1,
          'cache.key_family': 'user_',
          'cache.tier': 'remote',
          'cache.outcome': 'hit',
        },
        status: { code: SpanStatusCode.UNSET },
      },
      {
        name: 'cache.get',
        attributes: {
          'cache.operation': 'get',
          'cache.key_count': 1,
          'cache.key_family': 'team_',
          'cache.outcome': 'miss',
        },
        status: { code: SpanStatusCode.UNSET },
      },
      {
        name: 'cache.getOrSetMany',
        attributes: {
          'cache.operation': 'getOrSetMany',
          'cache.key_count': 2,
          'cache.key_family': 'team_',
          'cache.tier': ['memory', 'origin'],
          'cache.outcome': ['hit', 'miss'],
          'cache.hits': 1,
        },
        status: { code: SpanStatusCode.UNSET },
      },
    ]);
  });

  it('marks the span of a failed operation as an error, and the loader error reaches the caller unchanged', async () => {
    const { cache } = tracedCache(`tracing-${Math.random()}`);
    const failure = new Error('source down');
    await expect(cache.getOrSet('team_9', () => Promise.reject(failure))).rejects.toBe(failure);
    const [span] = spans();
    expect(span).toMatchObject({
      name: 'cache.getOrSet',
      attributes: { 'cache.operation': 'getOrSet', 'cache.key_family': 'team_', 'cache.outcome': 'error' },
      status: { code: SpanStatusCode.ERROR, message: 'source down' },
    });
  });

  it('publishes start and end on the tracing channel with the outcome of every key', async () => {
    const channel = `tracing-${Math.random()}`;
    const cache = createCache({ tiers: [memoryTier()], sweepInterval: 0, diagnosticsChannel: channel });
    const seen: string[] = [];
    const handlers = {
      start: (context: OperationContext) => seen.push(`start ${context.op} ${context.keys.join(',')}`),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (context: OperationContext) =>
        seen.push(`end ${context.op} ${context.outcomes.map((o) => `${o.outcome}@${o.tier ?? '-'}`).join(',')}`),
      error: () => {},
    };
    const traced = tracingChannel<unknown, OperationContext>(`${channel}.operation`);
    traced.subscribe(handlers);
    try {
      await cache.set('a', 1);
      await cache.getMany(['a', 'b']);
    } finally {
      traced.unsubscribe(handlers);
    }
    await cache.get('a'); // nobody subscribed: not traced
    expect(seen).toEqual(['start set a', 'end set write@-', 'start getMany a,b', 'end getMany hit@memory,miss@-']);
  });
});
