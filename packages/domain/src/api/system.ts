/** Health, Prometheus metrics, server-sent events and this API's own description. */
import { z } from 'zod';
import { route } from './common.ts';

/** GET /api/health */
export const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  mode: z.record(z.string(), z.unknown()),
  checks: z.record(z.string(), z.string()),
  /** The checks that are not `ok` (only when there are some). */
  degraded: z.array(z.string()).optional(),
  /** Whether the invalidation bus delivers now, and how often it went down. */
  bus: z.object({ healthy: z.boolean(), downs: z.number() }),
});

/** The routes of this file. */
export const systemRoutes = [
  route({
    id: 'system.health',
    method: 'GET',
    path: '/api/health',
    summary: 'Health: database and Redis',
    tag: 'System',
    access: 'public',
    responses: { 200: HealthSchema, 503: HealthSchema },
  }),
  route({
    id: 'system.metrics',
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'System',
    access: 'metrics-token',
    produces: 'text/plain',
    responses: { 200: null },
  }),
  route({
    id: 'system.events',
    method: 'GET',
    path: '/api/events',
    summary: 'Server-sent events: `invalidate` with the cache keys each write made stale',
    tag: 'System',
    access: 'user',
    produces: 'text/event-stream',
    responses: { 200: null },
  }),
  route({
    id: 'system.openapi',
    method: 'GET',
    path: '/api/openapi.json',
    summary: 'This document',
    tag: 'System',
    access: 'public',
    responses: { 200: z.record(z.string(), z.unknown()) },
  }),
  route({
    id: 'system.docs',
    method: 'GET',
    path: '/api/docs',
    summary: 'This document, browsable',
    tag: 'System',
    access: 'public',
    produces: 'text/html',
    plugin: true,
    responses: { 200: null },
  }),
];
