import { describe, it } from '@jest/globals';
import { CMF } from 'trading-signals';
import { expectSameDoubles, MARKETS, streamed } from '../testing/indicator-kit.js';

describe.each(MARKETS)('Cmf computes trading-signals’ doubles (%s)', (_name, candles) => {
  it('Cmf is CMF', () => {
    const cmf = new CMF(20);
    expectSameDoubles(
      streamed({ kind: 'CMF', period: 20 }, candles),
      candles.map((c) => cmf.add(c)),
    );
  });
});
