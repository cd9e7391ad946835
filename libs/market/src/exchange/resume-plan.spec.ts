import { describe, expect, it } from '@jest/globals';
import { planResume, type ResumeInput } from './resume-plan.js';

const M = 60_000;
/** 10:00:30 on the bundled data's first day: candle 10:00 is forming, 09:59 the last closed. */
const NOW = Date.UTC(2021, 1, 19, 10, 0, 30);
const LAST_CLOSED = Date.UTC(2021, 1, 19, 9, 59);
const at = (minutesBeforeLastClosed: number): number => LAST_CLOSED - minutesBeforeLastClosed * M;
const input = (lastStored: number | null, maxCandles = 1_000): ResumeInput => ({
  now: NOW,
  interval: M,
  warmup: 200,
  maxCandles,
  lastStored,
});

describe('planResume', () => {
  it.each<[string, ResumeInput, ReturnType<typeof planResume>]>([
    ['nothing stored: the warm-up', input(null), { after: at(200), unbackfilled: null }],
    [
      'stored inside the warm-up: still the whole warm-up',
      input(at(50)),
      { after: at(200), unbackfilled: null },
    ],
    ['stored just before the warm-up', input(at(200)), { after: at(200), unbackfilled: null }],
    ['stored 4 h ago: everything after it', input(at(240)), { after: at(240), unbackfilled: null }],
    ['a hole exactly the bound', input(at(1_000)), { after: at(1_000), unbackfilled: null }],
    [
      'a hole one longer than the bound: its oldest candle is left out',
      input(at(1_001)),
      { after: at(1_000), unbackfilled: { from: at(1_000), to: at(1_000), candles: 1 } },
    ],
    [
      'a bound of 0: the warm-up, the rest reported',
      input(at(240), 0),
      { after: at(200), unbackfilled: { from: at(239), to: at(200), candles: 40 } },
    ],
    [
      'a stored candle ahead of the clock: the warm-up',
      input(NOW + M),
      { after: at(200), unbackfilled: null },
    ],
  ])('%s', (_name, given, expected) => {
    expect(planResume(given)).toEqual(expected);
  });
});
