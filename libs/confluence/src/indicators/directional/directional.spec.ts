import { describe, expect, it } from '@jest/globals';
import { ADX } from 'trading-signals';
import { batchSeries, closes, ltc, talibBeforeAll } from '../testing/indicator-kit.js';

const talib = talibBeforeAll();

describe('ADX: trading-signals departure, corrected', () => {
  it('the library gives ±DI as fractions and breaks ties between up- and down-moves differently', () => {
    const h = ltc.map((c) => c.high);
    const l = ltc.map((c) => c.low);
    const c = closes(ltc);
    const adx = new ADX(14);
    const lib = ltc.map((candle) => [adx.add(candle), adx.pdi] as const);
    const reference = talib().series('ADX', [h, l, c], [14]);
    const plusDi = talib().series('PLUS_DI', [h, l, c], [14]);
    const worst = Math.max(
      ...lib.map(([v], i) => (v === null || reference[i] === null ? 0 : Math.abs(v - reference[i]!))),
    );
    expect(worst).toBeGreaterThan(1);
    expect(lib[2000]![1]!).toBeLessThan(1);
    expect(lib[2000]![1]! * 100).toBeCloseTo(plusDi[2000]!, 0);
    const mine = batchSeries({ kind: 'ADX', period: 14 }, ltc);
    const mineWorst = Math.max(...mine.ADX_14!.map((v, i) => (v === null ? 0 : Math.abs(v - reference[i]!))));
    expect(mineWorst).toBeLessThan(1e-9);
  });
});
