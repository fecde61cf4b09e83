/**
 * Test helpers for authors of tiers, buses, tag stores and locks: the conformance suites, a fake
 * clock and a fault-injecting tier. Needs Vitest (an optional peer).
 */
export { createFakeClock, type FakeClock } from '../clock.ts';
export { type BusConformanceOptions, type BusSetup, runBusConformance } from './bus-conformance.ts';
export { attachForTest, type ConformanceOptions, type ConformanceSetup, runTierConformance } from './conformance.ts';
export { type FaultControls, faultyTier } from './faulty-tier.ts';
export { type LockConformanceOptions, type LockSetup, runLockConformance } from './lock-conformance.ts';
export {
  runTagStoreConformance,
  type TagStoreConformanceOptions,
  type TagStoreSetup,
} from './tag-store-conformance.ts';
