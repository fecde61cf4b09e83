/**
 * `createSimulator`: one Fastify server answering GitHub-shaped routes (`/repos/…`,
 * `/rate_limit`), Jira-shaped routes (`/rest/…`) and the control API (`/__sim/…`).
 *
 * Every API request goes through one `onRequest` hook — latency, then faults — and is counted
 * in `onSend`, before its bytes leave, so a client that has its answer always finds it counted.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { type AdminControls, type ResetOptions, registerAdminRoutes } from './admin.ts';
import type { SimContext } from './context.ts';
import { type Counts, RequestCounter } from './counts.ts';
import { Dataset } from './dataset/dataset.ts';
import { applyEvent, type SimEvent } from './events.ts';
import { type ActiveFaultRule, activateRules, type Fault, FaultInjector, type FaultRuleInput } from './faults.ts';
import { registerGraphqlRoutes } from './github/graphql/route.ts';
import { registerGitHubRoutes } from './github/routes.ts';
import { errorBody, familyOf, pathOf, sendJson, sleep } from './http.ts';
import { DEFAULT_LOOK, type JiraLook } from './jira/format.ts';
import { registerJiraRoutes } from './jira/routes.ts';
import {
  type Latency,
  type LatencyInput,
  resolveLatency,
  resolveOptions,
  type SimulatorOptions,
  validateFaultRules,
} from './options.ts';
import { createRandom } from './random.ts';
import { WindowLimiter } from './rate-limit.ts';
import { type Delivery, Webhooks } from './webhooks.ts';

/** A running simulator. */
export interface Simulator {
  /** `http://127.0.0.1:<port>` — the base URL for both the GitHub and the Jira client. */
  readonly url: string;
  readonly port: number;
  /** The data served; change it to simulate upstream changes. */
  readonly dataset: Dataset;
  /** A snapshot of the request counters. */
  counts(): Counts;
  /** Clears counts and faults, releases held requests, forgets rate-limit windows (unless told not to). */
  reset(options?: ResetOptions): void;
  /** Replaces every fault rule; throws `SimulatorOptionsError` on a bad rule. */
  setFaults(rules: readonly FaultRuleInput[]): void;
  /** Appends fault rules after the current ones. */
  addFaults(rules: readonly FaultRuleInput[]): void;
  /** The active fault rules, with what is left of each `times`. */
  faults(): ActiveFaultRule[];
  /** Delay before every API answer: fixed ms, or `{ fixedMs, jitterMs }` (seeded jitter). */
  setLatency(latency: LatencyInput): void;
  /** Makes an upstream change at the clock's now and delivers its webhook to every target of its source. */
  apply(event: SimEvent): Promise<{ record: unknown; deliveries: Delivery[] }>;
  /** Where webhooks go (`add({ source, url, secret })`) and what was delivered. */
  readonly webhooks: Webhooks;
  /** Stops listening, drops every connection and held request; the port is free when it resolves. */
  close(): Promise<void>;
}

const STATUS_MESSAGES: Record<number, string> = {
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The counted route of a request: method and the route pattern, never the concrete path. */
function routeKey(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? '(unmatched)'}`;
}

/** Requests held by `timeout` faults, released by their timer, `reset()`, `close()` or a client abort. */
class HeldRequests {
  private readonly releases = new Set<() => void>();

  constructor(private readonly maxHoldMs: number) {}

  hold(ms: number | undefined, reply: FastifyReply): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.releases.delete(release);
        reply.raw.off('close', release);
        resolve();
      };
      const timer = setTimeout(release, Math.min(ms ?? this.maxHoldMs, this.maxHoldMs));
      reply.raw.on('close', release);
      this.releases.add(release);
    });
  }

  releaseAll(): void {
    for (const release of [...this.releases]) release();
  }
}

/** Starts a simulator and resolves once it listens. */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const config = resolveOptions(options);
  const now = config.now;
  const dataset = new Dataset(
    config.dataset === 'fixed' ? { kind: 'fixed' } : { kind: 'generated', seed: config.seed, size: config.size },
    now,
  );
  const look: JiraLook = {
    statusNames: { ...DEFAULT_LOOK.statusNames, ...config.jira.statusNames },
    storyPointsField: config.jira.fields.storyPoints ?? DEFAULT_LOOK.storyPointsField,
    sprintField: config.jira.fields.sprint ?? DEFAULT_LOOK.sprintField,
  };
  const ctx: SimContext = {
    dataset,
    now,
    github: {
      tokens: new Set(config.github.tokens),
      primary: new WindowLimiter(config.github.rateLimit, now),
      secondary: config.github.secondaryRateLimit
        ? new WindowLimiter(config.github.secondaryRateLimit, now)
        : undefined,
      graphql: {
        primary: new WindowLimiter(config.github.graphql.rateLimit, now),
        secondary: new WindowLimiter(config.github.graphql.secondaryRateLimit, now),
        badGateway: config.github.graphql.badGateway,
        random: createRandom(config.seed ^ 0x502),
      },
    },
    jira: {
      credentials: new Map(config.jira.credentials.map((c) => [`${c.email}:${c.apiToken}`, c.email])),
      personalAccessTokens: new Map(config.jira.personalAccessTokens.map((t, i) => [t, `pat-${i + 1}`])),
      limiter: new WindowLimiter(config.jira.rateLimit, now),
      look,
    },
  };
  // Separate streams, so turning latency jitter on does not change which requests a fault hits.
  const latencyRandom = createRandom(config.seed ^ 0x1a7e);
  const faults = new FaultInjector(createRandom(config.seed ^ 0xfa17));
  faults.set(activateRules(config.faults));
  const counter = new RequestCounter();
  const held = new HeldRequests(config.maxHoldMs);
  let latency: Latency = config.latency;

  const app = Fastify({ logger: false, forceCloseConnections: true });

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request);
    const family = familyOf(path);
    if (family === 'admin') return;
    const delay = latency.fixedMs + (latency.jitterMs > 0 ? Math.floor(latencyRandom.next() * latency.jitterMs) : 0);
    await (config.sleep ?? sleep)(delay);
    const fault: Fault | undefined = faults.match(request.method, path);
    if (!fault) return;
    switch (fault.type) {
      case 'status':
        return sendJson(reply, fault.status, errorBody(family, STATUS_MESSAGES[fault.status] ?? 'Injected failure'));
      case 'rate-limit':
        reply.header('retry-after', String(fault.retryAfterSeconds));
        return sendJson(reply, 429, errorBody(family, 'Rate limit exceeded (injected).'));
      case 'malformed':
        return reply.code(200).type('application/json; charset=utf-8').send('{"message": "this body is cut sh');
      case 'timeout':
        if (fault.after === 'respond') {
          await held.hold(fault.ms, reply);
          return;
        }
        // Never answered: count it now, then drop the connection when the hold ends.
        reply.hijack();
        counter.record(routeKey(request), 'timeout');
        await held.hold(fault.ms, reply);
        request.raw.socket?.destroy();
        return reply;
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (familyOf(pathOf(request)) !== 'admin') counter.record(routeKey(request), reply.statusCode);
    return payload;
  });

  app.setNotFoundHandler((request, reply) => {
    const family = familyOf(pathOf(request));
    return sendJson(reply, 404, errorBody(family, family === 'jira' ? 'Not found.' : 'Not Found'));
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    // Body parse errors and the like are the client's (400); anything else is a simulator bug.
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    return sendJson(reply, status, errorBody(familyOf(pathOf(request)), error.message));
  });

  registerGitHubRoutes(app, ctx);
  registerGraphqlRoutes(app, ctx);
  registerJiraRoutes(app, ctx);

  const webhooks = new Webhooks();
  let baseUrl = '';
  const apply = async (event: SimEvent) => {
    const { record, message } = applyEvent(dataset, event, now(), baseUrl, look);
    return { record, deliveries: await webhooks.deliver(message) };
  };
  const controls: AdminControls = {
    apply,
    webhooks,
    counts: () => counter.snapshot(),
    reset: (resetOptions = {}) => {
      counter.clear();
      faults.clear();
      held.releaseAll();
      if (resetOptions.rateLimits ?? true) {
        ctx.github.primary.clear();
        ctx.github.secondary?.clear();
        ctx.github.graphql.primary.clear();
        ctx.github.graphql.secondary.clear();
        ctx.jira.limiter.clear();
      }
      if (resetOptions.data) dataset.restore();
    },
    setFaults: (rules) => faults.set(activateRules(validateFaultRules(rules))),
    addFaults: (rules) => faults.add(activateRules(validateFaultRules(rules))),
    faults: () => faults.list(),
    setLatency: (input) => {
      latency = resolveLatency(input);
    },
  };
  registerAdminRoutes(app, controls);

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator did not bind a TCP port');
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  baseUrl = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    dataset,
    counts: controls.counts,
    reset: controls.reset,
    setFaults: controls.setFaults,
    addFaults: controls.addFaults,
    faults: controls.faults,
    setLatency: controls.setLatency,
    apply,
    webhooks,
    close: () => {
      closing ??= (async () => {
        held.releaseAll();
        await app.close();
      })();
      return closing;
    },
  };
}
