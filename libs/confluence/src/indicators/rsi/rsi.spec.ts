import { describe, expect, it } from '@jest/globals';
import { RSI } from 'trading-signals';
import { batchSeries, closes, flat, library, talibBeforeAll } from '../testing/indicator-kit.js';

const talib = talibBeforeAll();

describe('RSI: trading-signals departure, corrected', () => {
  it('flat markets: the library reports RSI 100 and TA-Lib 0; we read neutral', () => {
    expect(library(new RSI(14), closes(flat)).at(-1)).toBe(100);
    expect(
      talib()
        .series('RSI', [closes(flat)], [14])
        .at(-1),
    ).toBe(0);
    expect(batchSeries({ kind: 'RSI', period: 14 }, flat).RSI_14!.at(-1)).toBe(50);
  });
});
