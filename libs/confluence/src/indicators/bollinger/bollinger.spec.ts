import { describe, it } from '@jest/globals';
import { BollingerBands } from 'trading-signals';
import { expectSameDoubles, MARKETS, streamed } from '../testing/indicator-kit.js';

describe.each(MARKETS)('Bollinger computes trading-signals’ doubles (%s)', (_name, candles) => {
  it('Bollinger is BollingerBands', () => {
    const closes = candles.map((c) => c.close);
    const bands = new BollingerBands(20, 2);
    expectSameDoubles(
      streamed({ kind: 'BB', period: 20, deviations: 2 }, candles).flatMap((r) => {
        const bands = r as { upper: number; middle: number; lower: number } | null;
        return bands === null ? [] : [bands.upper, bands.middle, bands.lower];
      }),
      closes.flatMap((x) => {
        const r = bands.add(x);
        return r === null ? [] : [r.upper, r.middle, r.lower];
      }),
    );
  });
});
