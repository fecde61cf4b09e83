/**
 * The simulator's control API under `/__sim/`, for a demo or a test in another process. These
 * routes need no credentials (the simulator listens on loopback), are never delayed, faulted or
 * counted. Bad input answers 400 `{error: {code, message}}`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Counts } from './counts.ts';
import type { SimEvent } from './events.ts';
import type { ActiveFaultRule } from './faults.ts';
import { sendJson } from './http.ts';
import { type LatencyInput, SimulatorOptionsError } from './options.ts';
import type { Delivery, Webhooks } from './webhooks.ts';

/** What `reset` clears besides counts, faults and held requests. */
export interface ResetOptions {
  /** Forget every rate-limit window (GitHub and Jira). @default true */
  rateLimits?: boolean;
  /** Restore the data set to its original records, undoing every `dataset` change. @default false */
  data?: boolean;
}

/** The operations the admin routes expose. */
export interface AdminControls {
  counts(): Counts;
  reset(options?: ResetOptions): void;
  setFaults(rules: unknown): void;
  addFaults(rules: unknown): void;
  faults(): ActiveFaultRule[];
  setLatency(latency: LatencyInput): void;
  /** Makes an upstream change now and delivers its webhook. */
  apply(event: SimEvent): Promise<{ record: unknown; deliveries: Delivery[] }>;
  webhooks: Webhooks;
}

const targetSchema = z.object({ source: z.enum(['github', 'jira']), url: z.url(), secret: z.string().min(1) });

const resetSchema = z.object({ rateLimits: z.boolean().optional(), data: z.boolean().optional() });

function rulesOf(body: unknown): unknown {
  // Accept a bare array or `{ rules: [...] }`.
  return Array.isArray(body) ? body : (body as { rules?: unknown } | undefined)?.rules;
}

function fail(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof SimulatorOptionsError) {
    return sendJson(reply, 400, { error: { code: error.code, message: error.message } });
  }
  throw error;
}

/** Registers `/__sim/*`. */
export function registerAdminRoutes(app: FastifyInstance, controls: AdminControls): void {
  app.get('/__sim/counts', (_request, reply) => sendJson(reply, 200, controls.counts()));

  app.post('/__sim/reset', (request, reply) => {
    const options = resetSchema.safeParse(request.body ?? {});
    if (!options.success) {
      return sendJson(reply, 400, { error: { code: 'E_SIM_BAD_REQUEST', message: z.prettifyError(options.error) } });
    }
    controls.reset(options.data);
    return reply.code(204).send();
  });

  app.get('/__sim/faults', (_request, reply) => sendJson(reply, 200, { rules: controls.faults() }));

  app.post('/__sim/faults', (request, reply) => {
    try {
      controls.setFaults(rulesOf(request.body));
      return sendJson(reply, 200, { rules: controls.faults() });
    } catch (error) {
      return fail(reply, error);
    }
  });

  app.patch('/__sim/faults', (request, reply) => {
    try {
      controls.addFaults(rulesOf(request.body));
      return sendJson(reply, 200, { rules: controls.faults() });
    } catch (error) {
      return fail(reply, error);
    }
  });

  app.delete('/__sim/faults', (_request, reply) => {
    controls.setFaults([]);
    return reply.code(204).send();
  });

  // Upstream changes and the webhooks they send.
  app.post('/__sim/events', async (request, reply) => {
    try {
      return sendJson(reply, 200, await controls.apply(request.body as SimEvent));
    } catch (error) {
      if (error instanceof z.ZodError || error instanceof RangeError) {
        return sendJson(reply, 400, { error: { code: 'E_SIM_BAD_REQUEST', message: error.message } });
      }
      throw error;
    }
  });

  app.post('/__sim/webhooks', (request, reply) => {
    const target = targetSchema.safeParse(request.body);
    if (!target.success) {
      return sendJson(reply, 400, { error: { code: 'E_SIM_BAD_REQUEST', message: z.prettifyError(target.error) } });
    }
    controls.webhooks.add(target.data);
    return reply.code(204).send();
  });

  app.get('/__sim/webhooks/deliveries', (_request, reply) =>
    sendJson(reply, 200, { deliveries: controls.webhooks.deliveries() }),
  );

  app.delete('/__sim/webhooks', (_request, reply) => {
    controls.webhooks.clear();
    return reply.code(204).send();
  });

  app.post('/__sim/latency', (request, reply) => {
    try {
      controls.setLatency(request.body as LatencyInput);
      return reply.code(204).send();
    } catch (error) {
      return fail(reply, error);
    }
  });
}
