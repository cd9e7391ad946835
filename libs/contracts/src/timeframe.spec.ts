import { describe, expect, it } from '@jest/globals';
import { isTimeframe, TIMEFRAMES, timeframeToMs } from './timeframe.js';

describe('timeframes', () => {
  it('recognises only ccxt timeframe names', () => {
    expect(isTimeframe('4h')).toBe(true);
    expect(isTimeframe('1M')).toBe(true);
    expect(isTimeframe('7m')).toBe(false);
    expect(isTimeframe('1H')).toBe(false);
    expect(isTimeframe('toString')).toBe(false);
    expect(isTimeframe(60_000)).toBe(false);
  });

  it('gives each timeframe its length in milliseconds, in increasing order', () => {
    expect(timeframeToMs('1m')).toBe(60_000);
    expect(timeframeToMs('4h')).toBe(14_400_000);
    expect(timeframeToMs('1w')).toBe(604_800_000);
    const lengths = TIMEFRAMES.map(timeframeToMs);
    expect([...lengths].sort((a, b) => a - b)).toEqual(lengths);
  });
});
