import { describe, expect, it } from '@jest/globals';
import { OBV } from 'trading-signals';
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

describe.each(MARKETS)('Obv computes trading-signals’ doubles (%s)', (_name, candles) => {
  it('Obv is OBV plus the first volume (TA-Lib’s origin)', () => {
    const obv = new OBV(2);
    const first = candles[0]!.volume;
    expectSameDoubles(
      streamed({ kind: 'OBV' }, candles),
      candles.map((c) => first + (obv.add(c) ?? 0)),
    );
  });
});

describe('OBV: trading-signals departure, corrected', () => {
  it('the library starts from 0; TA-Lib (and we) from the first volume', () => {
    const lib = library(new OBV(2), btc.slice(0, 10));
    const reference = talib().series('OBV', [closes(btc), btc.map((c) => c.volume)], []);
    expect(reference[9]! - lib[9]!).toBeCloseTo(btc[0]!.volume, 9);
    expect(batchSeries({ kind: 'OBV' }, btc.slice(0, 10)).OBV![9]).toBeCloseTo(reference[9]!, 9);
  });
});
