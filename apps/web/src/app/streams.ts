/** Listens to a server-sent event stream of the API with the event names and data schemas of the domain. */
import { parseStreamEvent, type StreamEvents } from '@agiletrack/domain';
import type { z } from 'zod';

/** A handler per event of `S` (all optional). */
export type StreamHandlers<S extends StreamEvents> = {
  readonly [K in keyof S & string]?: (data: z.output<S[K]>) => void;
};

/**
 * Calls each handler with its event's data, parsed with the domain's schema; an event whose data
 * does not fit is dropped. `onError` hears the stream drop (the browser retries by itself).
 */
export function listen<S extends StreamEvents>(
  source: EventSource,
  events: S,
  handlers: StreamHandlers<S>,
  onError?: () => void,
): void {
  for (const [name, handle] of Object.entries(handlers) as [keyof S & string, (data: unknown) => void][]) {
    source.addEventListener(name, (message) => {
      let raw: unknown;
      try {
        raw = JSON.parse((message as MessageEvent<string>).data);
      } catch {
        return;
      }
      const data = parseStreamEvent(events, name, raw);
      if (data !== undefined) handle(data);
    });
  }
  if (onError) source.addEventListener('error', onError);
}
