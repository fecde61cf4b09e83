/**
 * `@agiletrack/cache/contracts`: what a new tier, bus, tag store or lock implements, and the
 * pieces it may reuse (the entry codec, the system clock). Test a tier with `runTierConformance`
 * from `/testing`.
 */
export type { BusTopics, TopicHandler } from './bus/topics.ts';
export { systemClock } from './clock.ts';
export {
  type Compression,
  createEntryCodec,
  type Encrypted,
  type Encryptor,
  type EntryCodecOptions,
} from './codec/entry-codec.ts';
export { RemoteTierRuntime as remoteGuard } from './core/remote-runtime.ts';
export type * from './types.ts';
