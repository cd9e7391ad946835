import { describe, it } from '@jest/globals';
import { AD } from 'trading-signals';
import { expectSameDoubles, MARKETS, streamed } from '../testing/indicator-kit.js';

describe.each(MARKETS)('AdLine computes trading-signals’ doubles (%s)', (_name, candles) => {
  it('AdLine is AD', () => {
    const ad = new AD();
    expectSameDoubles(
      streamed({ kind: 'AD' }, candles),
      candles.map((c) => ad.add(c)),
    );
  });
});
