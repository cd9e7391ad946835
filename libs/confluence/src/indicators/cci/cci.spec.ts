import { describe, expect, it } from '@jest/globals';
import { CCI } from 'trading-signals';
import { batchSeries, flat, library } from '../testing/indicator-kit.js';

describe('CCI: trading-signals departure, corrected', () => {
  it('flat markets: the library reports CCI NaN; we read neutral', () => {
    expect(library(new CCI(20), flat).at(-1)).toBeNaN();
    expect(batchSeries({ kind: 'CCI', period: 20 }, flat).CCI_20!.at(-1)).toBe(0);
  });
});
