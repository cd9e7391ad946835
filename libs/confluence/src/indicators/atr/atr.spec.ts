import { describe, expect, it } from '@jest/globals';
import { ATR } from 'trading-signals';
import { batchSeries, btc, closes, library, talibBeforeAll } from '../testing/indicator-kit.js';

const talib = talibBeforeAll();

describe('ATR: trading-signals departure, corrected', () => {
  it('the library counts the first candle high − low as a true range; TA-Lib (and we) start one later', () => {
    const lib = library(new ATR(14), btc.slice(0, 20));
    const reference = talib().series(
      'ATR',
      [btc.map((c) => c.high), btc.map((c) => c.low), closes(btc)],
      [14],
    );
    expect(lib.findIndex((v) => v !== null)).toBe(13);
    expect(reference.findIndex((v) => v !== null)).toBe(14);
    expect(batchSeries({ kind: 'ATR', period: 14 }, btc.slice(0, 20)).ATR_14![14]).toBeCloseTo(
      reference[14]!,
      9,
    );
  });
});
