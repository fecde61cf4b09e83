/**
 * Domain events: the writes that make cached data stale. The server publishes them on the
 * invalidation bus and over SSE, so they are validated on receipt with {@link DomainEventSchema}.
 */
import { z } from 'zod';
import { IdSchema } from './ids.ts';

/** Every event type, in a stable order. */
export const DomainEventTypes = [
  'team.created',
  'team.updated',
  'team.deleted',
  'team.goals',
  'integration.created',
  'integration.updated',
  'integration.deleted',
  'integration.synced',
] as const;

/** One of {@link DomainEventTypes}. */
export type DomainEventType = (typeof DomainEventTypes)[number];

/** The event types that name an integration (and so carry an `integrationId`). */
export type IntegrationEventType = Extract<DomainEventType, `integration.${string}`>;

const teamEvent = <T extends DomainEventType>(type: T) => z.object({ type: z.literal(type), teamId: IdSchema });

// Integration events carry the owning team too: its list and metrics keys go stale with them.
const integrationEvent = <T extends DomainEventType>(type: T) =>
  z.object({ type: z.literal(type), integrationId: IdSchema, teamId: IdSchema });

/** Validates an event from the bus or a client; ids come out canonical. Unknown extra fields are dropped. */
export const DomainEventSchema = z.discriminatedUnion('type', [
  teamEvent('team.created'),
  teamEvent('team.updated'),
  teamEvent('team.deleted'),
  // A team's goals changed, or an evaluation changed one's status (nothing cached goes stale).
  teamEvent('team.goals'),
  integrationEvent('integration.created'),
  integrationEvent('integration.updated'),
  integrationEvent('integration.deleted'),
  integrationEvent('integration.synced'),
]);

/** A validated event with canonical ids. */
export type DomainEvent = z.output<typeof DomainEventSchema>;

/** An event as a producer writes it, with raw ids (`12` or `"12"`). */
export type DomainEventInput = z.input<typeof DomainEventSchema>;
