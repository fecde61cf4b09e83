/** Test helpers for tier authors: the conformance suite and a fake clock. Needs Vitest. */
export { createFakeClock, type FakeClock } from '../clock.ts';
export { attachForTest, type ConformanceOptions, type ConformanceSetup, runTierConformance } from './conformance.ts';
export { type FaultControls, faultyTier } from './faulty-tier.ts';
