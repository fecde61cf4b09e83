/** The bus message format, shared by every bus: what goes out and what is accepted coming in. */
import type { BusMessage } from '../types.ts';

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const isStamp = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Returns a clean copy of `message` (known fields only), or `undefined` when it is not a bus message. */
export function parseBusMessage(message: unknown): BusMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  const repair = m.repair === true ? ({ repair: true } as const) : undefined;
  switch (m.type) {
    case 'delete':
      if (!isStringArray(m.keys)) return undefined;
      return { type: 'delete', keys: [...m.keys], ...(isStamp(m.at) && { at: m.at }), ...repair };
    case 'set':
      return isStringArray(m.keys) ? { type: m.type, keys: [...m.keys] } : undefined;
    case 'clear':
      return typeof m.prefix === 'string' ? { type: 'clear', prefix: m.prefix, ...repair } : undefined;
    case 'tags':
      return isStringArray(m.tags) && isStamp(m.at) ? { type: 'tags', tags: [...m.tags], at: m.at } : undefined;
    default:
      return undefined;
  }
}
