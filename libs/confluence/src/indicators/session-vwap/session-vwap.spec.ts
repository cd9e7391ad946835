import { describe, expect, it } from '@jest/globals';
import { VWAP } from 'trading-signals';
import { batchSeries, btc, library } from '../testing/indicator-kit.js';

describe('VWAP: trading-signals departure, corrected', () => {
  it('the library never resets; ours restarts each UTC day (session VWAP)', () => {
    const lib = library(new VWAP(), btc);
    const mine = batchSeries({ kind: 'VWAP' }, btc).VWAP!;
    const secondDayOpen = 1440;
    expect(mine[secondDayOpen]).toBeCloseTo((btc[1440]!.high + btc[1440]!.low + btc[1440]!.close) / 3, 6);
    expect(Math.abs(lib[secondDayOpen]! - mine[secondDayOpen]!)).toBeGreaterThan(100);
  });
});
