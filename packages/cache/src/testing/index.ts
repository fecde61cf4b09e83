/** Test helpers for tier authors: the conformance suite and a fake clock. Needs Vitest. */
export { type FakeClock, createFakeClock } from '../clock.ts';
export { attachForTest, type ConformanceOptions, type ConformanceSetup, runTierConformance } from './conformance.ts';
