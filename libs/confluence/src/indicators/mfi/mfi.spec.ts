import { describe, it } from '@jest/globals';
import { MFI } from 'trading-signals';
import { expectSameDoubles, MARKETS, streamed } from '../testing/indicator-kit.js';

describe.each(MARKETS)('Mfi computes trading-signals’ doubles (%s)', (_name, candles) => {
  it('Mfi is MFI', () => {
    const mfi = new MFI(14);
    expectSameDoubles(
      streamed({ kind: 'MFI', period: 14 }, candles),
      candles.map((c) => mfi.add(c)),
    );
  });
});
