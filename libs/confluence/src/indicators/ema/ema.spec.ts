import { describe, expect, it } from '@jest/globals';
import { EMA } from 'trading-signals';
import { batchSeries, btc, closes, library, talibBeforeAll } from '../testing/indicator-kit.js';

const talib = talibBeforeAll();

describe('EMA: trading-signals departure, corrected', () => {
  it('the library seeds with the first price; TA-Lib (and we) with the SMA of the first period', () => {
    const prices = closes(btc.slice(0, 30));
    const reference = talib().series('EMA', [prices], [9]);
    const lib = library(new EMA(9), prices);
    expect(lib[8]).not.toBeCloseTo(reference[8]!, 6);
    expect(batchSeries({ kind: 'EMA', period: 9 }, btc.slice(0, 30)).EMA_9![8]).toBeCloseTo(reference[8]!, 9);
  });
});
