/** The bus message format, shared by every bus: what goes out and what is accepted coming in. */
import type { BusMessage } from '../types.ts';

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Returns a clean copy of `message` (known fields only), or `undefined` when it is not a bus message. */
export function parseBusMessage(message: unknown): BusMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'delete':
    case 'set':
      return isStringArray(m.keys) ? { type: m.type, keys: [...m.keys] } : undefined;
    case 'clear':
      return typeof m.prefix === 'string' ? { type: 'clear', prefix: m.prefix } : undefined;
    case 'tags':
      return isStringArray(m.tags) && typeof m.at === 'number' && Number.isFinite(m.at)
        ? { type: 'tags', tags: [...m.tags], at: m.at }
        : undefined;
    default:
      return undefined;
  }
}
