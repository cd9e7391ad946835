import { describe, expect, it } from '@jest/globals';
import { forwardLogReturns } from '../stats/returns.js';
import { seededRng } from '../stats/random.js';
import { candleOpenAfter, joinedForwardReturns } from './forward-join.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2021, 1, 19);

/** Closes of a random walk, one a minute from T0. */
function minuteSamples(n: number): { candleTime: number; close: number }[] {
  const rng = seededRng(7);
  let close = 50_000;
  return Array.from({ length: n }, (_, i) => {
    close *= Math.exp((rng() - 0.5) * 0.004);
    return { candleTime: T0 + i * MINUTE, close };
  });
}

describe('joinedForwardReturns', () => {
  it('equals forwardLogReturns bit for bit on an unbroken series, at every horizon', () => {
    const samples = minuteSamples(500);
    for (const horizon of [1, 4, 12, 24]) {
      const joined = joinedForwardReturns(samples, '1m', horizon);
      const direct = forwardLogReturns(
        samples.map((s) => s.close),
        horizon,
      );
      expect([...joined]).toEqual([...direct]);
      // The last `horizon` samples have no return yet.
      expect(joined.subarray(500 - horizon).every(Number.isNaN)).toBe(true);
      expect(joined.subarray(0, 500 - horizon).every(Number.isFinite)).toBe(true);
    }
  });

  it('gives no return across a hole, never one over a longer span', () => {
    // Minutes 0..9 without minute 5.
    const samples = minuteSamples(10).filter((_, i) => i !== 5);
    const r = joinedForwardReturns(samples, '1m', 1);
    const at = (minute: number): number =>
      r[samples.findIndex((s) => s.candleTime === T0 + minute * MINUTE)]!;

    expect(at(4)).toBeNaN(); // its partner, minute 5, is missing
    expect(at(3)).toBe(Math.log(samples[4]!.close / samples[3]!.close));
    // Minute 6's partner is minute 7, found by time, not by position.
    expect(at(6)).toBe(Math.log(samples[6]!.close / samples[5]!.close));
    expect([...joinedForwardReturns(samples, '1m', 2)].filter(Number.isFinite)).toHaveLength(6); // starts 0–7 but 5 (missing) and 3 (its partner is 5)
  });

  it('finds partners by time, whatever the order of the samples', () => {
    const samples = minuteSamples(6);
    const shuffled = [samples[3]!, samples[0]!, samples[5]!, samples[1]!, samples[4]!, samples[2]!];
    const r = joinedForwardReturns(shuffled, '1m', 2);

    expect(r[1]).toBe(Math.log(samples[2]!.close / samples[0]!.close));
    expect(r[0]).toBe(Math.log(samples[5]!.close / samples[3]!.close));
    expect(r[2]).toBeNaN();
  });

  it('refuses a close that is not > 0 rather than return ±Infinity', () => {
    const samples = [
      { candleTime: T0, close: 100 },
      { candleTime: T0 + MINUTE, close: 0 },
      { candleTime: T0 + 2 * MINUTE, close: 105 },
    ];

    expect([...joinedForwardReturns(samples, '1m', 1)].every(Number.isNaN)).toBe(true);
    expect(joinedForwardReturns(samples, '1m', 2)[0]).toBe(Math.log(105 / 100));
  });
});

describe('candleOpenAfter', () => {
  it('steps fixed timeframes by their length and months by the calendar', () => {
    expect(candleOpenAfter(T0, '5m', 12)).toBe(T0 + 3_600_000);
    expect(candleOpenAfter(T0, '1d', 1)).toBe(T0 + 86_400_000);
    // 1 Jan → 1 Feb (31 days) → 1 Mar 2021 (28 more), not 30-day steps.
    expect(candleOpenAfter(Date.UTC(2021, 0, 1), '1M', 1)).toBe(Date.UTC(2021, 1, 1));
    expect(candleOpenAfter(Date.UTC(2021, 0, 1), '1M', 2)).toBe(Date.UTC(2021, 2, 1));
    expect(candleOpenAfter(Date.UTC(2021, 10, 1), '1M', 3)).toBe(Date.UTC(2022, 1, 1));
  });
});
