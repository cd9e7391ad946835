import { describe, expect, it } from '@jest/globals';
import { CandleHoles } from './candle-holes.js';

const M = 60_000;

describe('CandleHoles', () => {
  it('finds steps longer than the interval within the range, and the closed times after the last candle', () => {
    const holes = new CandleHoles(M, 10 * M, 40 * M);
    // Before the range: a hole at 3..4 that does not count; one across `from` counts from 10.
    for (const minute of [0, 1, 2, 5, 6, 7, 8, 12, 13, 20, 21]) holes.observe(minute * M);
    holes.finish(Number.MAX_SAFE_INTEGER);
    expect(holes.listed).toEqual([
      { from: 10 * M, to: 11 * M, count: 2 },
      { from: 14 * M, to: 19 * M, count: 6 },
      { from: 22 * M, to: 40 * M, count: 19 },
    ]);
    expect(holes.count).toBe(27);
  });

  it('counts after the last candle only what has closed by now, and nothing before the first', () => {
    const holes = new CandleHoles(M, 0, 100 * M);
    holes.observe(50 * M);
    holes.observe(51 * M);
    // At 55:00 the candle opened at 54:00 has closed; the one opened at 55:00 has not.
    holes.finish(55 * M);
    expect(holes.listed).toEqual([{ from: 52 * M, to: 54 * M, count: 3 }]);
  });

  it('has none for a whole stream, a stream with no candle, and lists five holes of many', () => {
    const whole = new CandleHoles(M, 0, 9 * M);
    for (let minute = 0; minute < 12; minute++) whole.observe(minute * M);
    whole.finish(Number.MAX_SAFE_INTEGER);
    expect(whole.count).toBe(0);

    const none = new CandleHoles(M, 0, 9 * M);
    none.finish(Number.MAX_SAFE_INTEGER);
    expect(none.count).toBe(0);

    const many = new CandleHoles(M, 0, 100 * M);
    for (let minute = 0; minute <= 100; minute += 2) many.observe(minute * M);
    many.finish(Number.MAX_SAFE_INTEGER);
    expect(many.count).toBe(50);
    expect(many.listed).toHaveLength(5);
  });
});
