import { describe, expect, it } from 'vitest';
import { DORA_THRESHOLDS, doraBand } from './dora-bands.ts';
import { METRICS } from './metrics.ts';

describe('DORA bands', () => {
  it('place each key by the 2023 report, bounds included where the report says so', () => {
    expect([10, 7, 6.9, 1, 0.5, 0.2, 0].map((v) => doraBand('deploymentsPerWeek', v))).toEqual([
      'elite',
      'elite',
      'high',
      'high',
      'medium',
      'low',
      'low',
    ]);
    expect([5, 23.9, 24, 167, 168, 719, 720].map((v) => doraBand('leadTimeHours', v))).toEqual([
      'elite',
      'elite',
      'high',
      'high',
      'medium',
      'medium',
      'low',
    ]);
    expect([0, 0.05, 0.06, 0.1, 0.15, 0.16, 0.64].map((v) => doraBand('changeFailureRate', v))).toEqual([
      'elite',
      'elite',
      'high',
      'high',
      'medium',
      'low',
      'low',
    ]);
    expect([0.5, 1, 23, 24, 100, 168].map((v) => doraBand('timeToRestoreHours', v))).toEqual([
      'elite',
      'high',
      'high',
      'medium',
      'medium',
      'low',
    ]);
    expect(doraBand('leadTimeHours', null)).toBeNull();
  });

  it('exist exactly for the four DORA keys', () => {
    const keys = Object.entries(METRICS)
      .filter(([, m]) => m.dora)
      .map(([name]) => name);
    expect(Object.keys(DORA_THRESHOLDS).sort()).toEqual(keys.sort());
  });
});
