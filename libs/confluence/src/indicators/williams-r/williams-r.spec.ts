import { describe, expect, it } from '@jest/globals';
import { WilliamsR } from 'trading-signals';
import { batchSeries, flat, library } from '../testing/indicator-kit.js';

describe('Williams %R: trading-signals departure, corrected', () => {
  it('flat markets: the library reports %R −100; we read neutral', () => {
    expect(library(new WilliamsR(14), flat).at(-1)).toBe(-100);
    expect(batchSeries({ kind: 'WILLR', period: 14 }, flat).WILLR_14!.at(-1)).toBe(-50);
  });
});
