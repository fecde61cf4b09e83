/**
 * The server-sent event streams of the API: each event's name and the schema of its data, written
 * once for the server that sends them, the dashboard and the CLI that read them.
 */
import { z } from 'zod';
import { AlertSchema, CacheOpSchema, MonitorQuerySchema } from '../cache-ops.ts';
import { RowId } from './common.ts';

/** Events of a stream: name → schema of its data. */
export type StreamEvents = Readonly<Record<string, z.ZodType>>;

/** An `invalidate` event of `/api/events`: the keys a write made stale. */
export const InvalidateEventSchema = z.object({
  type: z.string(),
  teamId: z.union([z.number(), z.string()]),
  integrationId: z.union([z.number(), z.string()]).optional(),
  keys: z.array(z.string()).readonly(),
});
/** An invalidation pushed to browsers. */
export type InvalidateEvent = z.infer<typeof InvalidateEventSchema>;

/**
 * `GET /api/events`: `ready` once connected (again after each reconnect), `invalidate` for each
 * write the user may see, `alert` (admins) when a cache alert fires or resolves.
 */
export const EventStream = {
  ready: z.object({ userId: RowId }),
  invalidate: InvalidateEventSchema,
  alert: AlertSchema,
} satisfies StreamEvents;

/** `GET /api/admin/cache/monitor`: `ready` with the instance and filter, then one `op` per cache operation. */
export const MonitorStream = {
  ready: z.object({ instance: z.string(), filter: MonitorQuerySchema }),
  op: CacheOpSchema,
} satisfies StreamEvents;

/** The data of a received event, parsed with its schema; `undefined` when it does not fit. */
export function parseStreamEvent<S extends StreamEvents, K extends keyof S & string>(
  stream: S,
  name: K,
  data: unknown,
): z.output<S[K]> | undefined {
  const parsed = stream[name]!.safeParse(data);
  return parsed.success ? (parsed.data as z.output<S[K]>) : undefined;
}
