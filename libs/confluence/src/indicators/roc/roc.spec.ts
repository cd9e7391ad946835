import { describe, expect, it } from '@jest/globals';
import { ROC } from 'trading-signals';
import {
  batchSeries,
  btc,
  closes,
  expectSameDoubles,
  library,
  MARKETS,
  streamed,
  talibBeforeAll,
} from '../testing/indicator-kit.js';

const talib = talibBeforeAll();

describe.each(MARKETS)('Roc computes trading-signals’ doubles (%s)', (_name, candles) => {
  it('Roc is ROC in percent', () => {
    const roc = new ROC(12);
    expectSameDoubles(
      streamed({ kind: 'ROC', period: 12 }, candles),
      candles.map((c) => {
        const fraction = roc.add(c.close);
        return fraction === null ? null : fraction * 100;
      }),
    );
  });
});

describe('ROC: trading-signals departure, corrected', () => {
  it('the library gives a fraction; TA-Lib (and we) give percent', () => {
    const prices = closes(btc.slice(0, 40));
    const lib = library(new ROC(10), prices);
    const reference = talib().series('ROC', [prices], [10]);
    expect(lib[20]! * 100).toBeCloseTo(reference[20]!, 9);
    expect(batchSeries({ kind: 'ROC', period: 10 }, btc.slice(0, 40)).ROC_10![20]).toBeCloseTo(
      reference[20]!,
      9,
    );
  });
});
