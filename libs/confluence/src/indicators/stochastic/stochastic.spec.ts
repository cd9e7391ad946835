import { describe, expect, it } from '@jest/globals';
import { StochasticOscillator } from 'trading-signals';
import { batchSeries, flat, library } from '../testing/indicator-kit.js';

describe('Stochastic: trading-signals departure, corrected', () => {
  it('flat markets: the library reports %K 0; we read neutral', () => {
    expect(
      library(new StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 }), flat).at(-1)?.stochK,
    ).toBe(0);
    expect(
      batchSeries({ kind: 'STOCH', kPeriod: 14, kSmoothing: 3, dPeriod: 3 }, flat).STOCH_14_3_3_k!.at(-1),
    ).toBe(50);
  });
});
