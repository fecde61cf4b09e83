/** The performance targets of the in-memory cache, checked against the in-memory results (by mean ns/op). */
import { type MemoryResults, NAMES } from './memory.ts';
import { RAW, RAW_PARSED, type RedisResults } from './redis.ts';
import type { PairedTiming, Row } from './timing.ts';

/** One checked target. */
export interface TargetCheck {
  /** What is promised, in words. */
  target: string;
  pass: boolean;
  /** The ratio compared with the bound, and the bound. */
  ratio: number;
  bound: string;
  /** The two numbers behind the ratio. */
  detail: string;
}

function find(rows: readonly Row[], lib: string): Row {
  const row = rows.find((candidate) => candidate.lib === lib);
  if (!row) throw new Error(`no result for ${lib}`);
  return row;
}

const ns = (row: Row): string => `${row.timing.avg < 100 ? row.timing.avg.toFixed(1) : Math.round(row.timing.avg)} ns`;

/** "ours within `bound`× of `floor`": ours / floor ≤ bound. */
function within(target: string, ours: Row, floor: Row, bound: number): TargetCheck {
  const ratio = ours.timing.avg / floor.timing.avg;
  return {
    target,
    pass: ratio <= bound,
    ratio,
    bound: `≤ ${bound}×`,
    detail: `${ours.lib} ${ns(ours)} vs ${floor.lib} ${ns(floor)}`,
  };
}

/** "ours at least `bound`× faster than `peer`": peer / ours ≥ bound. */
function faster(target: string, ours: Row, peer: Row, bound: number): TargetCheck {
  const ratio = peer.timing.avg / ours.timing.avg;
  return {
    target,
    pass: ratio >= bound,
    ratio,
    bound: `≥ ${bound}×`,
    detail: `${peer.lib} ${ns(peer)} vs ${ours.lib} ${ns(ours)}`,
  };
}

/** Checks every in-memory target. */
export function checkTargets(results: MemoryResults): TargetCheck[] {
  const ours = find(results.get, NAMES.ours);
  const oursGetOrSet = find(results.getOrSet, NAMES.oursGetOrSet);
  return [
    within(
      'awaited L1-hit `get` within 1.5× of the async lru-cache wrapper',
      ours,
      find(results.get, NAMES.asyncLru),
      1.5,
    ),
    within(
      'awaited L1-hit `get` with key families within 1.4× of the async lru-cache wrapper',
      find(results.get, NAMES.oursFamilies),
      find(results.get, NAMES.asyncLru),
      1.4,
    ),
    faster('awaited L1-hit `get` ≥ 2× faster than bentocache', ours, find(results.get, NAMES.bento), 2),
    faster('awaited L1-hit `get` ≥ 2× faster than cache-manager', ours, find(results.get, NAMES.manager), 2),
    faster('awaited L1-hit `get` ≥ 2× faster than cacheable', ours, find(results.get, NAMES.cacheable), 2),
    faster(
      'L1-hit `getOrSet` ≥ 3× faster than cache-manager `wrap`',
      oursGetOrSet,
      find(results.getOrSet, NAMES.managerWrap),
      3,
    ),
    faster(
      'L1-hit `getOrSet` ≥ 3× faster than bentocache `getOrSet`',
      oursGetOrSet,
      find(results.getOrSet, NAMES.bentoGetOrSet),
      3,
    ),
    within(
      '`getSync` within 3× of raw `lru.get`',
      find(results.getSync, NAMES.oursSync),
      find(results.getSync, NAMES.lruGet),
      3,
    ),
  ];
}

/**
 * Checks the Redis-as-L2 targets: batch and tiered reads near raw ioredis, in the same run. The
 * ratios come from alternating rounds (`paired`) when measured, else from the case means.
 */
export function checkRedisTargets(results: RedisResults): TargetCheck[] {
  const us = (ns: number): string => `${(ns / 1e3).toFixed(1)} µs`;
  const check = (
    target: string,
    rows: readonly Row[],
    pairedTiming: PairedTiming | undefined,
    bound: number,
    floorName = RAW,
    oursName: string = NAMES.ours,
  ) => {
    const mine = find(rows, oursName);
    const floor = find(rows, floorName);
    const ratio = pairedTiming?.ratio ?? mine.timing.avg / floor.timing.avg;
    const detail = pairedTiming
      ? `median of ${pairedTiming.rounds} alternating rounds: ${oursName} ${us(pairedTiming.oursAvg)} vs ${floorName} ${us(pairedTiming.floorAvg)}`
      : `${oursName} ${us(mine.timing.avg)} vs ${floorName} ${us(floor.timing.avg)}`;
    return { target, pass: ratio <= bound, ratio, bound: `≤ ${bound}×`, detail } satisfies TargetCheck;
  };
  return [
    check(
      '`getMany` of 100 keys (L2 hits) within 1.5× of raw `MGET` + `JSON.parse` of each value',
      results.getMany,
      results.paired.getManyParsed,
      1.5,
      RAW_PARSED,
    ),
    check(
      'tiered `get` (L1 miss, L2 hit) within 1.15× of raw `GET` + `JSON.parse`',
      results.get,
      results.paired.getParsed,
      1.15,
      RAW_PARSED,
    ),
    check(
      '(reference) `getMany` of 100 keys within 1.5× of raw `MGET`, no decoding',
      results.getMany,
      results.paired.getMany,
      1.5,
    ),
    check('(reference) tiered `get` within 1.15× of raw `GET`, no decoding', results.get, results.paired.get, 1.15),
    check(
      '(floor) raw `MGET` + `JSON.parse` of each value within 1.5× of raw `MGET`: what parsing the values alone costs',
      results.getMany,
      results.paired.parseFloor,
      1.5,
      RAW,
      RAW_PARSED,
    ),
  ];
}
