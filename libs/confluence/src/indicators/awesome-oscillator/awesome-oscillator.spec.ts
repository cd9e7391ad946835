import { describe, it } from '@jest/globals';
import { AO } from 'trading-signals';
import { expectSameDoubles, MARKETS, streamed } from '../testing/indicator-kit.js';

describe.each(MARKETS)('AwesomeOscillator computes trading-signals’ doubles (%s)', (_name, candles) => {
  it('AwesomeOscillator is AO', () => {
    const ao = new AO(5, 34);
    expectSameDoubles(
      streamed({ kind: 'AO', fast: 5, slow: 34 }, candles),
      candles.map((c) => ao.add(c)),
    );
  });
});
